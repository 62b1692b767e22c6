"""Normalisation layers."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channel dimension of an NCHW tensor.

    Same parameters (``weight``, ``bias``) and function as the official
    ConvNeXt ``LayerNorm(data_format='channels_first')``.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)  # (B, H, W, C)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias,
                         self.eps)
        # NOTE: no .contiguous(): convolutions take the permuted view, and
        # the copy made rsfm 10% slower than timm (benchmark_backbones.py).
        return x.permute(0, 3, 1, 2)  # (B, C, H, W)
