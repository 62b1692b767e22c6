"""Stochastic depth."""
from typing import List

import torch
from mmcv.cnn.bricks import DropPath

__all__ = ['DropPath', 'drop_path_rates']


def drop_path_rates(rate: float, num_blocks: int) -> List[float]:
    """Per-block drop-path rates rising linearly from 0 to ``rate``, the
    schedule of ConvNeXt, Swin and the ViTs."""
    return torch.linspace(0, rate, num_blocks).tolist()
