"""Datasets of oriented object detection (mmrotate host). Configs import
this subpackage in ``custom_imports``; it imports mmrotate."""
from .dior_r import DIORRDataset
from .dota import DOTADataset

__all__ = ['DIORRDataset', 'DOTADataset']
