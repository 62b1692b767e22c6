"""Spectral ViT: SpectralGPT's encoder over named multispectral bands.

Paper: SpectralGPT: Spectral Remote Sensing Foundation Model,
https://arxiv.org/abs/2311.07113 (IEEE TPAMI 2024).

The image ``(B, bands, H, W)`` is one 3D volume: a ``Conv3d`` cuts it into
``t x p x p`` tokens (``t`` consecutive bands, ``p x p`` pixels), tokens get
a spatial and a spectral position embedding, and a ViT encodes them.
Parameter names are SpectralGPT's (``patch_embed.proj`` 5-D,
``pos_embed_spatial``, ``pos_embed_temporal``, ``blocks.{i}.attn.{q,k,v,
proj}``, ``norm``), so its checkpoints load as released.
"""
import math
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model.weight_init import trunc_normal_

from rsfm.checkpoint import LoadReport, locate_encoder
from rsfm.registry import MODELS
from .base_backbone import BaseBackbone, freeze
from .vit import (Block, VisionTransformer, add_pyramid,
                  check_pyramid_args, resize_pos_embed)

#: the 12 Sentinel-2 L2A bands of BigEarthNet that SpectralGPT is trained on
SENTINEL2_12 = ('B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08',
                'B8A', 'B09', 'B11', 'B12')


def convert_spectralgpt(state_dict: Dict[str, torch.Tensor]
                        ) -> Tuple[Dict[str, torch.Tensor], str]:
    """Cut a SpectralGPT state dict to its encoder.

    Recognised by ``pos_embed_spatial`` next to a 5-D
    ``patch_embed.proj.weight``, under any prefix. The MAE decoder
    (``decoder_*``, ``mask_token``) stays in the dict and is reported as
    unexpected.
    """
    kept, _, where = locate_encoder(
        state_dict, ('pos_embed_spatial', ), 'SpectralGPT encoders',
        accept=lambda prefix, _: not prefix.endswith('decoder_'))
    weight = kept.get('patch_embed.proj.weight')
    if weight is None or weight.dim() != 5:
        raise ValueError('a SpectralGPT encoder has a 3D patch embedding '
                         '(5-D patch_embed.proj.weight)')
    return kept, 'SpectralGPT' + where


class SeparateQKVAttention(nn.Module):
    """Self-attention with separate q, k, v projections (SpectralGPT)."""

    def __init__(self, dim: int, num_heads: int, qkv_bias: bool = True):
        super().__init__()
        self.num_heads = num_heads
        self.q = nn.Linear(dim, dim, bias=qkv_bias)
        self.k = nn.Linear(dim, dim, bias=qkv_bias)
        self.v = nn.Linear(dim, dim, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape

        def heads(t):  # (B, N, C) -> (B, heads, N, C / heads)
            return t.reshape(B, N, self.num_heads, -1).transpose(1, 2)

        x = F.scaled_dot_product_attention(
            heads(self.q(x)), heads(self.k(x)), heads(self.v(x)))
        return self.proj(x.transpose(1, 2).reshape(B, N, C))


@MODELS.register_module()
class SpectralViT(BaseBackbone):
    """SpectralGPT's encoder, with multi-scale outputs for dense heads.

    Shapes for a ``(B, 12, 128, 128)`` input, ``arch='base'``,
    ``patch_size=8``, ``t_patch_size=3``: 4 spectral groups x 16 x 16 = 1024
    tokens. ``out_type='raw'`` gives the final-norm tokens ``(B, 1024, 768)``
    (spectral-group major, as SpectralGPT); the default ``'featmap'`` fuses
    the spectral groups of blocks ``out_indices`` with a learnt weighted sum
    (initialised to the mean; SpectralGPT's SegMunich head uses such a
    ``Linear(groups, 1)``) and returns ``(B, 768, 32, 32)``,
    ``(B, 768, 16, 16)``, ``(B, 768, 8, 8)``, ``(B, 768, 4, 4)``.

    Args:
        arch: ``'mini'`` (tests), ``'tiny'``, ``'small'``, ``'base'``
            (SpectralGPT), ``'large'`` or a dict with
            ``embed_dims``, ``depth``, ``num_heads``.
        img_size: Size the spatial position embedding is made for; other
            sizes are served by resizing it on the fly.
        patch_size: Spatial patch size (SpectralGPT: 8).
        t_patch_size: Consecutive bands per token (SpectralGPT: 3).
        in_channels: Number of bands; a multiple of ``t_patch_size``.
        bands: Names of the input bands (default: SpectralGPT's 12
            Sentinel-2 bands when ``in_channels == 12``). A checkpoint made
            for another band count gets its spectral position embedding
            resized, which is logged.
        out_type: ``'featmap'`` or ``'raw'``.
        out_indices: Four blocks feeding the pyramid.
        drop_path_rate: Stochastic depth rate.
        frozen_stages: Freeze the embeddings and the first blocks.
        with_cp: Gradient checkpointing per block.
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` loads
            SpectralGPT / SpectralGPT+ checkpoints as released.
    """

    convert_checkpoint = staticmethod(convert_spectralgpt)
    arch_settings = dict(
        VisionTransformer.arch_settings,
        mini=dict(embed_dims=48, depth=4, num_heads=2))

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 img_size: int = 128,
                 patch_size: int = 8,
                 t_patch_size: int = 3,
                 in_channels: int = 12,
                 bands: Optional[Sequence[str]] = None,
                 out_type: str = 'featmap',
                 out_indices: Optional[Sequence[int]] = None,
                 mlp_ratio: float = 4.,
                 drop_path_rate: float = 0.,
                 frozen_stages: int = 0,
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, list]] = None):
        if bands is None and in_channels == len(SENTINEL2_12):
            bands = SENTINEL2_12
        super().__init__(in_channels, bands, init_cfg)
        arch = self.parse_arch(arch, ('embed_dims', 'depth', 'num_heads'))
        if in_channels % t_patch_size:
            raise ValueError(f'in_channels={in_channels} is not a multiple '
                             f'of t_patch_size={t_patch_size}')
        dim, depth = arch['embed_dims'], arch['depth']
        out_indices = check_pyramid_args(out_type, patch_size, depth,
                                         out_indices)
        self.embed_dims, self.depth = dim, depth
        self.patch_size, self.t_patch_size = patch_size, t_patch_size
        self.groups = in_channels // t_patch_size
        self.grid = (img_size // patch_size, img_size // patch_size)
        self.out_type, self.out_indices = out_type, tuple(out_indices)
        self.frozen_stages, self.with_cp = frozen_stages, with_cp

        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv3d(
            1, dim, (t_patch_size, patch_size, patch_size),
            (t_patch_size, patch_size, patch_size))
        self.pos_embed_spatial = nn.Parameter(
            torch.zeros(1, self.grid[0] * self.grid[1], dim))
        self.pos_embed_temporal = nn.Parameter(
            torch.zeros(1, self.groups, dim))
        rates = torch.linspace(0, drop_path_rate, depth).tolist()
        self.blocks = nn.ModuleList([
            Block(dim, arch['num_heads'], mlp_ratio, drop_path=rates[i],
                  attention=SeparateQKVAttention)
            for i in range(depth)
        ])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        if out_type == 'featmap':
            self.spectral_fuse = nn.Parameter(
                torch.full((self.groups, ), 1. / self.groups))
            add_pyramid(self, dim, patch_size)
        self._freeze_stages()

    def init_default_weights(self):
        """MAE's init: trunc normal 0.02."""
        trunc_normal_(self.pos_embed_spatial, std=.02)
        trunc_normal_(self.pos_embed_temporal, std=.02)
        self.trunc_normal_init()

    def adapt_pretrained(self, state_dict: dict, report: LoadReport,
                         init_cfg: dict) -> dict:
        """Resize spatial and spectral position embeddings to this model
        (its 3D patch embedding takes one channel: bands are not adapted
        there, but in the spectral embedding)."""
        pos = state_dict.get('pos_embed_spatial')
        if pos is not None and pos.shape != self.pos_embed_spatial.shape:
            side = math.isqrt(pos.shape[1])
            state_dict['pos_embed_spatial'] = resize_pos_embed(
                pos, (side, side), self.grid, 0)
            report.resized.append(('pos_embed_spatial', pos.shape,
                                   self.pos_embed_spatial.shape))
        pos = state_dict.get('pos_embed_temporal')
        if pos is not None and pos.shape != self.pos_embed_temporal.shape:
            if self.bands is None:
                raise ValueError(
                    f'pos_embed_temporal of {init_cfg["checkpoint"]} is for '
                    f'{pos.shape[1]} spectral groups, this model has '
                    f'{self.groups}; name the input bands with bands=(...) '
                    f'to accept a resized spectral embedding')
            state_dict['pos_embed_temporal'] = F.interpolate(
                pos.transpose(1, 2), size=self.groups, mode='linear',
                align_corners=True).transpose(1, 2)
            report.resized.append(('pos_embed_temporal', pos.shape,
                                   self.pos_embed_temporal.shape))
            report.notes.append(
                f'bands: {self.in_channels} input bands {self.bands} in '
                f'{self.groups} spectral groups; the checkpoint had '
                f'{pos.shape[1]} groups, its spectral position embedding '
                f'was interpolated')
        return state_dict

    def forward(self, x: torch.Tensor):
        self.check_input(x)
        B, _, H, W = x.shape
        if H % self.patch_size or W % self.patch_size:
            raise ValueError(f'input size {H}x{W} is not a multiple of the '
                             f'patch size {self.patch_size}')
        x = self.patch_embed.proj(x.unsqueeze(1))  # (B, C, T, h, w)
        grid = x.shape[3:]
        x = x.flatten(3).permute(0, 2, 3, 1)  # (B, T, h*w, C)
        T, L = x.shape[1], x.shape[2]
        pos = resize_pos_embed(self.pos_embed_spatial, self.grid, grid, 0)
        x = x + pos.unsqueeze(1) + self.pos_embed_temporal.unsqueeze(2)
        x = x.reshape(B, T * L, -1)  # (B, T*h*w, C), spectral-group major

        def to_map(tokens):  # spectral groups fused: (B, C, h, w)
            fused = torch.einsum('btlc,t->blc', tokens.view(B, T, L, -1),
                                 self.spectral_fuse)  # (B, h*w, C)
            return fused.transpose(1, 2).reshape(B, -1, *grid)

        return self.encode(x, to_map)

    def _freeze_stages(self):
        if self.frozen_stages == 0:
            return
        self.pos_embed_spatial.requires_grad = False
        self.pos_embed_temporal.requires_grad = False
        freeze([self.patch_embed] + list(self.blocks[:self.frozen_stages]))

    #: blocks and pyramid as the ViT; embeddings are layer 0, block ``i``
    #: is ``i + 1``, the rest the top layer
    encode = VisionTransformer.encode
    get_layer_depth = VisionTransformer.get_layer_depth
