"""Vision Transformer with the timm / MAE parameter layout.

Paper: An Image is Worth 16x16 Words, https://arxiv.org/abs/2010.11929.

Parameter names follow timm and the MAE family (``patch_embed.proj``,
``cls_token``, ``pos_embed``, ``blocks.{i}.{norm1,attn.qkv,attn.proj,norm2,
mlp.fc1,mlp.fc2}``, ``norm``); mmpretrain checkpoints are converted on load.
For dense heads, the default output is a simple feature pyramid over four
blocks (as BEiT/MAE segmentation and RVSA use): maps at strides 4, 8, 16, 32
from transposed convolutions and max pooling (``fpn1``..``fpn4``).
"""
import math
import re
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model.weight_init import trunc_normal_

from rsfm.checkpoint import LoadReport, locate_encoder
from rsfm.registry import MODELS
from ..layers import PatchEmbed, resize_pos_embed
from .base_vit import BaseViT

_MMPRETRAIN_NAMES = (
    (r'^patch_embed\.projection\.', 'patch_embed.proj.'),
    (r'^layers\.', 'blocks.'),
    (r'\.ln1\.', '.norm1.'),
    (r'\.ln2\.', '.norm2.'),
    (r'\.ffn\.layers\.0\.0\.', '.mlp.fc1.'),
    (r'\.ffn\.layers\.1\.', '.mlp.fc2.'),
    (r'^ln1\.', 'norm.'),
)


def convert_vit(state_dict: Dict[str, torch.Tensor]
                ) -> Tuple[Dict[str, torch.Tensor], str]:
    """Convert a ViT state dict to rsfm's (= timm / MAE) layout.

    Recognised by key sentinels under any prefix: timm / MAE / SatMAE
    (``patch_embed.proj``) or mmpretrain (``patch_embed.projection``, with
    ``layers.*.ln1`` and final ``ln1``). Decoders (``decoder_*``, MAE's
    ``mask_token``) are outside the encoder's keys and reported unexpected.
    """
    kept, sentinel, where = locate_encoder(
        state_dict,
        ('patch_embed.proj.weight', 'patch_embed.projection.weight'),
        'ViT encoders')
    if sentinel == 'patch_embed.projection.weight':
        out = {}
        for key, value in kept.items():
            for pattern, repl in _MMPRETRAIN_NAMES:
                key = re.sub(pattern, repl, key)
            out[key] = value
        return out, 'mmpretrain ViT' + where
    return kept, 'timm / MAE ViT' + where


@MODELS.register_module()
class VisionTransformer(BaseViT):
    """ViT backbone: final tokens, or a 4-level pyramid for dense heads.

    Shapes for a ``(B, in_channels, 224, 224)`` input, ``arch='base'``,
    ``patch_size=16``: ``out_type='raw'`` gives ``(B, 197, 768)`` (class
    token first, after the final norm, as mmpretrain's ViT); the default
    ``out_type='featmap'`` gives ``(B, 768, 56, 56)``, ``(B, 768, 28, 28)``,
    ``(B, 768, 14, 14)``, ``(B, 768, 7, 7)`` from blocks ``out_indices``
    (see :class:`BaseViT`).

    Args:
        arch: ``'mini'`` (tests), ``'tiny'``, ``'small'``, ``'base'``,
            ``'large'`` or a dict with ``embed_dims``, ``depth``,
            ``num_heads``.
        img_size: Size the position embeddings are made for; other input
            sizes are served by resizing them (bicubic) on the fly.
        patch_size: 16 or 8 (any power of two from 4 to 32).
        in_channels: Number of input bands.
        out_type: ``'featmap'`` (pyramid) or ``'raw'`` (final-norm tokens).
        out_indices: One to four blocks feeding the first pyramid levels;
            default the BEiT / MAE / RVSA blocks, (3, 5, 7, 11) for depth 12.
        with_cls_token: Learn a class token (timm, MAE).
        drop_path_rate: Stochastic depth rate, increasing over blocks.
        frozen_stages: -1 freezes nothing, 0 the embeddings, ``k`` them and
            the first ``k`` blocks.
        with_cp: Gradient checkpointing per block.
        bands: Names of the input bands, to adapt a pretrained patch
            embedding.
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` loads timm,
            MAE-style and mmpretrain ViT checkpoints; position embeddings
            of another grid are resized, class-token embeddings dropped or
            added, and both reported.
    """

    convert_checkpoint = staticmethod(convert_vit)
    first_layer = 'patch_embed.proj.weight'
    no_weight_decay_keys = ('pos_embed', 'cls_token')

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 img_size: int = 224,
                 patch_size: int = 16,
                 in_channels: int = 3,
                 out_type: str = 'featmap',
                 out_indices: Optional[Sequence[int]] = None,
                 with_cls_token: bool = True,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 drop_path_rate: float = 0.,
                 frozen_stages: int = -1,
                 with_cp: bool = False,
                 bands: Optional[Sequence[str]] = None,
                 init_cfg: Optional[Union[dict, list]] = None):
        super().__init__(arch, in_channels, bands, patch_size, out_type,
                         out_indices, mlp_ratio, qkv_bias, drop_path_rate,
                         frozen_stages, with_cp, init_cfg=init_cfg)
        dim = self.embed_dims
        self.img_size = img_size
        self.num_extra = 1 if with_cls_token else 0
        self.grid = (img_size // patch_size, img_size // patch_size)
        self.patch_embed = PatchEmbed(in_channels, dim, patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim)) \
            if with_cls_token else None
        self.pos_embed = nn.Parameter(
            torch.zeros(1, self.num_extra + self.grid[0] * self.grid[1], dim))
        self._freeze_stages()

    def init_default_weights(self):
        """timm's init: trunc normal 0.02 for embeddings and Linear."""
        trunc_normal_(self.pos_embed, std=.02)
        if self.cls_token is not None:
            nn.init.normal_(self.cls_token, std=1e-6)
        self.trunc_normal_init()

    def adapt_pretrained(self, state_dict: dict, report: LoadReport,
                         init_cfg: dict) -> dict:
        """Fit the position embedding (class token, grid); adapt bands."""
        pos = state_dict.get('pos_embed')
        if pos is not None and pos.shape != self.pos_embed.shape:
            state_dict['pos_embed'] = self._fit_pos_embed(
                pos, report, init_cfg['checkpoint'])
        return super().adapt_pretrained(state_dict, report, init_cfg)

    def _fit_pos_embed(self, pos: torch.Tensor, report: LoadReport,
                       source: str) -> torch.Tensor:
        """A checkpoint's ``(1, extra + s*s, C)`` position embedding for
        this model: its class-token entry dropped (model without class
        token) or a zero one added, the square grid resized."""
        n, extra = pos.shape[1], None
        for e in (0, 1):
            if n > e and math.isqrt(n - e)**2 == n - e:
                extra = e
                break
        if extra is None or pos.shape[2] != self.embed_dims:
            raise ValueError(
                f'pos_embed of {source} has shape {tuple(pos.shape)}; '
                f'expected a square grid of {self.embed_dims}-d embeddings, '
                f'after at most one class token')
        side = math.isqrt(n - extra)
        grid = pos[:, extra:]
        if extra > self.num_extra:
            report.notes.append('pos_embed: the class-token entry of the '
                                'checkpoint is dropped (this model has no '
                                'class token)')
        elif extra < self.num_extra:
            report.notes.append('pos_embed: the checkpoint has no class-'
                                'token entry; it starts at zero')
        head = pos[:, :extra] if extra == self.num_extra else \
            pos.new_zeros(1, self.num_extra, pos.shape[2])
        fitted = resize_pos_embed(torch.cat([head, grid], dim=1),
                                  (side, side), self.grid, self.num_extra)
        report.resized.append(('pos_embed', pos.shape, fitted.shape))
        return fitted

    def embed(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None
              ) -> Tuple[torch.Tensor, tuple]:
        """Patch tokens, class token, position embedding (resized to the
        input's grid): ``(B, extra + h*w, C)`` and ``(h, w)``."""
        x, grid = self.patch_embed(x)  # (B, h*w, C)
        if self.cls_token is not None:
            x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x],
                          dim=1)
        return x + resize_pos_embed(self.pos_embed, self.grid, grid,
                                    self.num_extra), grid

    def tokens_to_map(self, tokens: torch.Tensor,
                      grid: tuple) -> torch.Tensor:
        patches = tokens[:, self.num_extra:]  # (B, h*w, C)
        return patches.transpose(1, 2).reshape(tokens.shape[0], -1, *grid)

    def stem_parts(self):
        parts = [self.patch_embed, self.pos_embed]
        if self.cls_token is not None:
            parts.append(self.cls_token)
        return parts
