"""Fusing the two dates' feature pyramids level by level."""
from typing import Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule

from rsfm.registry import MODELS

POLICIES = ('concat', 'sum', 'diff', 'abs_diff')


@MODELS.register_module()
class FeatureFusionNeck(BaseModule):
    """Fuse the features of date 1 (``x1``) and date 2 (``x2``) per level.

    Names and arguments as open-cd 1.x ``opencd/models/necks/
    feature_fusion.py``; no parameters.

    Args:
        policy: ``'concat'`` (channels ``[x1, x2]``), ``'sum'``, ``'diff'``
            (``x2 - x1``) or ``'abs_diff'``.
        in_channels: Unused; kept for open-cd's configs.
        channels: Unused; kept for open-cd's configs.
        out_indices: The levels to return, in this order.
    """

    def __init__(self,
                 policy: str,
                 in_channels: Optional[Sequence[int]] = None,
                 channels: Optional[int] = None,
                 out_indices: Sequence[int] = (0, 1, 2, 3)):
        super().__init__()
        if policy not in POLICIES:
            raise ValueError(f'FeatureFusionNeck policy must be one of '
                             f'{POLICIES}, got {policy!r}')
        self.policy = policy
        self.in_channels, self.channels = in_channels, channels
        self.out_indices = tuple(out_indices)

    @staticmethod
    def fusion(x1: torch.Tensor, x2: torch.Tensor,
               policy: str) -> torch.Tensor:
        if policy == 'concat':
            return torch.cat([x1, x2], dim=1)
        if policy == 'sum':
            return x1 + x2
        if policy == 'diff':
            return x2 - x1
        return torch.abs(x1 - x2)

    def forward(self, x1: Sequence[torch.Tensor],
                x2: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        if len(x1) != len(x2):
            raise ValueError(f'FeatureFusionNeck got {len(x1)} feature '
                             f'levels of date 1 but {len(x2)} of date 2')
        bad = [i for i in self.out_indices if not -len(x1) <= i < len(x1)]
        if bad:
            raise IndexError(
                f'FeatureFusionNeck out_indices {bad} do not exist: the '
                f'backbone gives {len(x1)} levels (check its out_indices)')
        return tuple(self.fusion(x1[i], x2[i], self.policy)
                     for i in self.out_indices)
