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
from mmengine.model.weight_init import trunc_normal_

from rsfm.checkpoint import LoadReport, locate_encoder
from rsfm.checkpoint.known_weights import SENTINEL2_12
from rsfm.registry import MODELS
from ..layers import (SeparateQKVAttention, resize_pos_embed,
                      select_spectral_groups)
from .base_vit import BaseViT


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


@MODELS.register_module()
class SpectralViT(BaseViT):
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
            Sentinel-2 bands when ``in_channels == 12``). Each group of
            ``t_patch_size`` bands takes the spectral position embedding of
            the checkpoint group with the same bands (see
            :func:`rsfm.models.layers.select_spectral_groups`).
        out_type: ``'featmap'`` or ``'raw'``.
        out_indices: One to four blocks feeding the first pyramid levels.
        drop_path_rate: Stochastic depth rate.
        frozen_stages: -1 freezes nothing, 0 the embeddings, ``k`` them and
            the first ``k`` blocks.
        with_cp: Gradient checkpointing per block.
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` loads
            SpectralGPT / SpectralGPT+ checkpoints as released; optional
            ``checkpoint_bands`` (default: SpectralGPT's 12 bands for a
            4-group checkpoint) and ``spectral_groups`` (checkpoint group
            per input group, or ``'interpolate'``).
    """

    convert_checkpoint = staticmethod(convert_spectralgpt)
    no_weight_decay_keys = ('pos_embed_spatial', 'pos_embed_temporal')
    arch_settings = dict(
        BaseViT.arch_settings,
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
                 frozen_stages: int = -1,
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, list]] = None):
        if bands is None and in_channels == len(SENTINEL2_12):
            bands = SENTINEL2_12
        if in_channels % t_patch_size:
            raise ValueError(f'in_channels={in_channels} is not a multiple '
                             f'of t_patch_size={t_patch_size}')
        super().__init__(arch, in_channels, bands, patch_size, out_type,
                         out_indices, mlp_ratio, True, drop_path_rate,
                         frozen_stages, with_cp,
                         attention=SeparateQKVAttention, init_cfg=init_cfg)
        dim = self.embed_dims
        self.t_patch_size = t_patch_size
        self.groups = in_channels // t_patch_size
        self.grid = (img_size // patch_size, img_size // patch_size)
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv3d(
            1, dim, (t_patch_size, patch_size, patch_size),
            (t_patch_size, patch_size, patch_size))
        self.pos_embed_spatial = nn.Parameter(
            torch.zeros(1, self.grid[0] * self.grid[1], dim))
        self.pos_embed_temporal = nn.Parameter(
            torch.zeros(1, self.groups, dim))
        if out_type == 'featmap':
            self.spectral_fuse = nn.Parameter(
                torch.full((self.groups, ), 1. / self.groups))
        self._freeze_stages()

    def init_default_weights(self):
        """MAE's init: trunc normal 0.02."""
        trunc_normal_(self.pos_embed_spatial, std=.02)
        trunc_normal_(self.pos_embed_temporal, std=.02)
        self.trunc_normal_init()

    def adapt_pretrained(self, state_dict: dict, report: LoadReport,
                         init_cfg: dict) -> dict:
        """Resize the spatial position embedding; give each band group its
        spectral one (its 3D patch embedding takes one channel: bands are
        not adapted there). A model with one band per token
        (``t_patch_size=1``) takes a checkpoint of ``t``-band tokens with
        the patch kernel summed over its ``t`` bands, and each band takes
        the spectral embedding of the checkpoint group holding it."""
        weight = state_dict.get('patch_embed.proj.weight')
        ckpt_t = self.t_patch_size if weight is None else weight.shape[2]
        if ckpt_t != self.t_patch_size:
            if self.t_patch_size != 1:
                raise ValueError(
                    f'{init_cfg["checkpoint"]}: its tokens hold {ckpt_t} '
                    f'bands (patch_embed.proj.weight {tuple(weight.shape)})'
                    f', this model\'s t_patch_size={self.t_patch_size}; '
                    f'use the checkpoint\'s {ckpt_t} or 1 (one band per '
                    f'token)')
            # NOTE: not in SpectralGPT, which fine-tunes on its own band
            # groups: a single-band token responds as a token of t copies
            # of that band did, so the kernel is summed over its t bands.
            summed = weight.sum(2, keepdim=True)
            state_dict['patch_embed.proj.weight'] = summed
            report.resized.append(('patch_embed.proj.weight',
                                   tuple(weight.shape), tuple(summed.shape)))
            report.notes.append(
                f'patch_embed.proj.weight: summed over its {ckpt_t} bands '
                f'per token for one band per token (t_patch_size=1)')
        pos = state_dict.get('pos_embed_spatial')
        if pos is not None and pos.shape != self.pos_embed_spatial.shape:
            side = math.isqrt(pos.shape[1])
            state_dict['pos_embed_spatial'] = resize_pos_embed(
                pos, (side, side), self.grid, 0)
            report.resized.append(('pos_embed_spatial', pos.shape,
                                   self.pos_embed_spatial.shape))
        pos = state_dict.get('pos_embed_temporal')
        if pos is None:
            return state_dict
        choice = init_cfg.get('spectral_groups')
        ckpt_bands = init_cfg.get('checkpoint_bands')
        if ckpt_bands is None and \
                pos.shape[1] * ckpt_t == len(SENTINEL2_12):
            ckpt_bands = SENTINEL2_12
        if ckpt_t != self.t_patch_size and choice is None:
            choice = self._groups_of_bands(init_cfg['checkpoint'],
                                           ckpt_bands, ckpt_t)
        if self.bands is None and choice is None:
            if pos.shape[1] == self.groups:
                return state_dict
            raise ValueError(
                f'pos_embed_temporal of {init_cfg["checkpoint"]} is for '
                f'{pos.shape[1]} spectral groups, this model has '
                f'{self.groups}; name the input bands with bands=(...)')
        try:
            selected, note = select_spectral_groups(
                pos, ckpt_bands, self.bands or (), self.t_patch_size,
                choice)
        except ValueError as e:
            raise ValueError(f'{init_cfg["checkpoint"]}: {e}') from None
        if note:
            state_dict['pos_embed_temporal'] = selected
            report.notes.append(note)
        return state_dict

    def _groups_of_bands(self, checkpoint: str,
                         ckpt_bands: Optional[Sequence[str]],
                         ckpt_t: int) -> list:
        """The checkpoint group (of ``ckpt_t`` bands) holding each input
        band, by name."""
        missing = [b for b in self.bands or ()
                   if ckpt_bands is None or b not in ckpt_bands]
        if self.bands is None or missing:
            raise ValueError(
                f'{checkpoint}: cannot tell which checkpoint band group '
                f'holds the input bands {missing or "(bands not named)"} '
                f'(checkpoint bands {ckpt_bands}); give init_cfg '
                f'spectral_groups=[checkpoint group per input band]')
        return [list(ckpt_bands).index(b) // ckpt_t for b in self.bands]

    def embed(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None
              ) -> Tuple[torch.Tensor, tuple]:
        """3D patch tokens with spatial + spectral position embeddings:
        ``(B, T*h*w, C)`` (spectral-group major) and ``(T, h, w)``."""
        B, _, H, W = x.shape
        if H % self.patch_size or W % self.patch_size:
            raise ValueError(f'input size {H}x{W} is not a multiple of the '
                             f'patch size {self.patch_size}')
        x = self.patch_embed.proj(x.unsqueeze(1))  # (B, C, T, h, w)
        T, h, w = x.shape[2:]
        x = x.flatten(3).permute(0, 2, 3, 1)  # (B, T, h*w, C)
        pos = resize_pos_embed(self.pos_embed_spatial, self.grid, (h, w), 0)
        x = x + pos.unsqueeze(1) + self.pos_embed_temporal.unsqueeze(2)
        return x.reshape(B, T * h * w, -1), (T, h, w)

    def tokens_to_map(self, tokens: torch.Tensor,
                      grid: tuple) -> torch.Tensor:
        """Spectral groups fused by ``spectral_fuse``: ``(B, C, h, w)``."""
        T, h, w = grid
        B = tokens.shape[0]
        fused = torch.einsum('btlc,t->blc', tokens.view(B, T, h * w, -1),
                             self.spectral_fuse)  # (B, h*w, C)
        return fused.transpose(1, 2).reshape(B, -1, h, w)

    def stem_parts(self):
        return [self.patch_embed, self.pos_embed_spatial,
                self.pos_embed_temporal]
