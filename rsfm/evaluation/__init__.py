"""Evaluation (host-free: mmengine only)."""
from .change_detection_metric import (ChangeDetectionMetric,
                                      scores_from_confusion)
from .change_maps import write_change_map

__all__ = ['ChangeDetectionMetric', 'scores_from_confusion',
           'write_change_map']
