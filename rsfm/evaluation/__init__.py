"""Evaluation (host-free: mmengine only)."""
from .change_detection_metric import (ChangeDetectionMetric,
                                      scores_from_confusion)
from .change_maps import write_change_map
from .loveda_submission import LoveDASubmissionMetric

__all__ = ['ChangeDetectionMetric', 'LoveDASubmissionMetric',
           'scores_from_confusion', 'write_change_map']
