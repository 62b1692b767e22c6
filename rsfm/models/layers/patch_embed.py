"""Patch embedding: a strided convolution, optionally padded and normed."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


class PatchEmbed(nn.Module):
    """``proj`` (``patch_size`` x ``patch_size`` convolution, stride
    ``patch_size``) and an optional LayerNorm ``norm`` over the tokens.

    Args:
        in_channels: Input bands.
        dim: Embedding dimension.
        patch_size: Side of a patch.
        norm: Add the LayerNorm (Swin) or not (ViT).
        pad: Zero-pad inputs to a multiple of ``patch_size`` on the bottom
            and right (Swin's detection backbone); otherwise such inputs are
            an error.

    ``forward`` returns ``(tokens (B, h*w, dim), (h, w))``.
    """

    def __init__(self, in_channels: int, dim: int, patch_size: int,
                 norm: bool = False, pad: bool = False):
        super().__init__()
        self.patch_size, self.pad = patch_size, pad
        self.proj = nn.Conv2d(in_channels, dim, patch_size, patch_size)
        self.norm = nn.LayerNorm(dim) if norm else None

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, tuple]:
        p = self.patch_size
        H, W = x.shape[2:]
        if self.pad:
            x = F.pad(x, (0, (p - W % p) % p, 0, (p - H % p) % p))
        elif H % p or W % p:
            raise ValueError(f'input size {H}x{W} is not a multiple of the '
                             f'patch size {p}')
        x = self.proj(x)  # (B, C, h, w)
        grid = tuple(x.shape[2:])
        x = x.flatten(2).transpose(1, 2)  # (B, h*w, C)
        if self.norm is not None:
            x = self.norm(x)
        return x, grid
