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
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmcv.cnn.bricks import DropPath
from mmengine.model.weight_init import trunc_normal_

from rsfm.checkpoint import LoadReport, locate_encoder
from rsfm.registry import MODELS
from .base_backbone import BaseBackbone, freeze
from .convnext import LayerNorm2d

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


def resize_pos_embed(pos_embed: torch.Tensor, src_grid: Tuple[int, int],
                     dst_grid: Tuple[int, int],
                     num_extra: int) -> torch.Tensor:
    """Bicubically resize ``(1, extra + h*w, C)`` position embeddings."""
    if tuple(src_grid) == tuple(dst_grid):
        return pos_embed
    extra, grid = pos_embed[:, :num_extra], pos_embed[:, num_extra:]
    grid = grid.reshape(1, *src_grid, -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid.float(), size=dst_grid, mode='bicubic',
                         align_corners=False).to(pos_embed.dtype)
    return torch.cat([extra, grid.flatten(2).transpose(1, 2)], dim=1)


class Attention(nn.Module):

    def __init__(self, dim: int, num_heads: int, qkv_bias: bool = True):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads,
                                  C // self.num_heads).permute(2, 0, 3, 1, 4)
        x = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        return self.proj(x.transpose(1, 2).reshape(B, N, C))


class Block(nn.Module):
    """Pre-norm transformer block (LayerNorm eps 1e-6, as timm / MAE);
    ``attention`` is the attention class (SpectralGPT: separate q/k/v)."""

    def __init__(self, dim, num_heads, mlp_ratio=4., qkv_bias=True,
                 drop_path=0., attention=Attention):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = attention(dim, num_heads, qkv_bias)
        self.drop_path = DropPath(drop_path) if drop_path > 0 \
            else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential()
        self.mlp.add_module('fc1', nn.Linear(dim, hidden))
        self.mlp.add_module('act', nn.GELU())
        self.mlp.add_module('fc2', nn.Linear(hidden, dim))

    def forward(self, x):
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))


def check_pyramid_args(out_type: str, patch_size: int, depth: int,
                       out_indices: Optional[Sequence[int]]) -> tuple:
    """Validate the output arguments of a ViT; return its ``out_indices``
    (default: the blocks at 1/3, 1/2, 3/4 and the end of the depth)."""
    if out_type not in ('featmap', 'raw'):
        raise ValueError(f'out_type must be "featmap" or "raw", got '
                         f'{out_type!r}')
    if patch_size not in (4, 8, 16, 32):
        raise ValueError(f'patch_size must be 4, 8, 16 or 32, got '
                         f'{patch_size}')
    if out_indices is None:
        out_indices = (depth // 3 - 1, depth // 2 - 1, depth * 3 // 4 - 1,
                       depth - 1)
    out_indices = tuple(i + depth if i < 0 else i for i in out_indices)
    if out_type == 'featmap' and (len(out_indices) != 4 or not all(
            0 <= i < depth for i in out_indices)):
        raise ValueError(f'out_indices must name 4 of the {depth} blocks, '
                         f'got {out_indices}')
    return out_indices


def add_pyramid(module: nn.Module, dim: int, patch_size: int) -> None:
    """Add ``fpn1``..``fpn4`` to ``module``: stride-``patch_size`` maps to
    strides 4, 8, 16, 32."""
    for level, stride in enumerate((4, 8, 16, 32), start=1):
        module.add_module(f'fpn{level}',
                          _pyramid_level(dim, patch_size / stride))


def _pyramid_level(dim: int, factor: float) -> nn.Module:
    """Rescale a stride-``patch`` map by ``factor`` (a power of two)."""
    if factor == 1:
        return nn.Identity()
    if factor < 1:
        return nn.MaxPool2d(int(round(1 / factor)))
    layers = []
    for i in range(int(round(math.log2(factor)))):
        if i:
            layers += [LayerNorm2d(dim, eps=1e-6), nn.GELU()]
        layers.append(nn.ConvTranspose2d(dim, dim, 2, 2))
    return nn.Sequential(*layers)


@MODELS.register_module()
class VisionTransformer(BaseBackbone):
    """ViT backbone: final tokens, or a 4-level pyramid for dense heads.

    Shapes for a ``(B, in_channels, 224, 224)`` input, ``arch='base'``,
    ``patch_size=16``: ``out_type='raw'`` gives ``(B, 197, 768)`` (class
    token first, after the final norm, as mmpretrain's ViT); the default
    ``out_type='featmap'`` gives ``(B, 768, 56, 56)``, ``(B, 768, 28, 28)``,
    ``(B, 768, 14, 14)``, ``(B, 768, 7, 7)`` from blocks ``out_indices``.

    Args:
        arch: ``'mini'`` (tests), ``'tiny'``, ``'small'``, ``'base'``,
            ``'large'`` or a dict with ``embed_dims``, ``depth``,
            ``num_heads``.
        img_size: Size the position embeddings are made for; other input
            sizes are served by resizing them (bicubic) on the fly.
        patch_size: 16 or 8 (any power of two from 4 to 32).
        in_channels: Number of input bands.
        out_type: ``'featmap'`` (pyramid) or ``'raw'`` (final-norm tokens).
        out_indices: Four blocks feeding the pyramid levels; default the
            blocks at 1/3, 1/2, 3/4 and the end of the depth.
        with_cls_token: Learn a class token (timm, MAE).
        drop_path_rate: Stochastic depth rate, increasing over blocks.
        frozen_stages: Freeze the embeddings and the first ``frozen_stages``
            blocks.
        with_cp: Gradient checkpointing per block.
        bands: Names of the input bands, to adapt a pretrained patch
            embedding.
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` loads timm,
            MAE-style and mmpretrain ViT checkpoints; position embeddings
            of another grid are resized and reported.
    """

    convert_checkpoint = staticmethod(convert_vit)
    first_layer = 'patch_embed.proj.weight'
    arch_settings = {
        'mini': dict(embed_dims=64, depth=4, num_heads=2),
        'tiny': dict(embed_dims=192, depth=12, num_heads=3),
        'small': dict(embed_dims=384, depth=12, num_heads=6),
        'base': dict(embed_dims=768, depth=12, num_heads=12),
        'large': dict(embed_dims=1024, depth=24, num_heads=16),
    }

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
                 frozen_stages: int = 0,
                 with_cp: bool = False,
                 bands: Optional[Sequence[str]] = None,
                 init_cfg: Optional[Union[dict, list]] = None):
        super().__init__(in_channels, bands, init_cfg)
        arch = self.parse_arch(arch, ('embed_dims', 'depth', 'num_heads'))
        dim, depth = arch['embed_dims'], arch['depth']
        out_indices = check_pyramid_args(out_type, patch_size, depth,
                                         out_indices)
        if not 0 <= frozen_stages <= depth:
            raise ValueError(f'frozen_stages must be in [0, {depth}]')
        self.embed_dims, self.depth = dim, depth
        self.patch_size, self.img_size = patch_size, img_size
        self.out_type, self.out_indices = out_type, out_indices
        self.frozen_stages, self.with_cp = frozen_stages, with_cp
        self.num_extra = 1 if with_cls_token else 0
        self.grid = (img_size // patch_size, img_size // patch_size)

        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(in_channels, dim, patch_size,
                                          patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim)) \
            if with_cls_token else None
        self.pos_embed = nn.Parameter(
            torch.zeros(1, self.num_extra + self.grid[0] * self.grid[1], dim))
        rates = torch.linspace(0, drop_path_rate, depth).tolist()
        self.blocks = nn.ModuleList([
            Block(dim, arch['num_heads'], mlp_ratio, qkv_bias, rates[i])
            for i in range(depth)
        ])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        if out_type == 'featmap':
            add_pyramid(self, dim, patch_size)
        self._freeze_stages()

    def init_default_weights(self):
        """timm's init: trunc normal 0.02 for embeddings and Linear."""
        trunc_normal_(self.pos_embed, std=.02)
        if self.cls_token is not None:
            nn.init.normal_(self.cls_token, std=1e-6)
        self.trunc_normal_init()

    def adapt_pretrained(self, state_dict: dict, report: LoadReport,
                         init_cfg: dict) -> dict:
        """Resize the position embedding grid; adapt input bands."""
        pos = state_dict.get('pos_embed')
        if pos is not None and pos.shape != self.pos_embed.shape:
            extra = pos.shape[1] - self.num_extra
            side = math.isqrt(extra)
            if side * side != extra or pos.shape[2] != self.embed_dims:
                raise ValueError(
                    f'pos_embed of {init_cfg["checkpoint"]} has shape '
                    f'{tuple(pos.shape)}; expected a square grid of '
                    f'{self.embed_dims}-d embeddings after '
                    f'{self.num_extra} class token(s)')
            state_dict['pos_embed'] = resize_pos_embed(
                pos, (side, side), self.grid, self.num_extra)
            report.resized.append(('pos_embed', pos.shape,
                                   self.pos_embed.shape))
        return super().adapt_pretrained(state_dict, report, init_cfg)

    def forward(self, x: torch.Tensor):
        self.check_input(x)
        B, _, H, W = x.shape
        if H % self.patch_size or W % self.patch_size:
            raise ValueError(f'input size {H}x{W} is not a multiple of the '
                             f'patch size {self.patch_size}')
        x = self.patch_embed.proj(x)  # (B, C, h, w)
        grid = x.shape[2:]
        x = x.flatten(2).transpose(1, 2)  # (B, h*w, C)
        if self.cls_token is not None:
            x = torch.cat([self.cls_token.expand(B, -1, -1), x], dim=1)
        x = x + resize_pos_embed(self.pos_embed, self.grid, grid,
                                 self.num_extra)
        # (B, h*w, C) patch tokens -> (B, C, h, w)
        return self.encode(x, lambda t: t[:, self.num_extra:].transpose(
            1, 2).reshape(B, -1, *grid))

    def encode(self, x: torch.Tensor, to_map) -> tuple:
        """Run the blocks on embedded tokens ``x``; return the final-norm
        tokens (``out_type='raw'``) or the pyramid ``fpn1..4`` over
        ``to_map(tokens)`` of the ``out_indices`` blocks."""
        maps = []
        for i, block in enumerate(self.blocks):
            x = cp.checkpoint(block, x, use_reentrant=False) \
                if self.with_cp and x.requires_grad else block(x)
            if self.out_type == 'featmap' and i in self.out_indices:
                maps.append(to_map(x))  # (B, C, h, w)
        if self.out_type == 'raw':
            return (self.norm(x), )
        return tuple(
            getattr(self, f'fpn{level}')(m)
            for level, m in enumerate(maps, start=1))

    def _freeze_stages(self):
        if self.frozen_stages == 0:
            return
        self.pos_embed.requires_grad = False
        if self.cls_token is not None:
            self.cls_token.requires_grad = False
        freeze([self.patch_embed] + list(self.blocks[:self.frozen_stages]))

    def get_layer_depth(self,
                        param_name: str,
                        prefix: str = '',
                        decay_type: str = 'layer_wise') -> Tuple[int, int]:
        """Layer id for layer-wise lr decay: embeddings 0, block ``i`` is
        ``i + 1``, the rest (final norm, pyramid, heads) the top layer.

        Returns:
            ``(layer_id, num_layers)`` with ``num_layers = depth + 2``.
        """
        self.check_decay_type(decay_type, ('layer_wise', ))
        num_layers = self.depth + 2
        if not param_name.startswith(prefix):
            return num_layers - 1, num_layers
        name = param_name[len(prefix):]
        if name.startswith(('patch_embed.', 'cls_token', 'pos_embed')):
            return 0, num_layers
        if name.startswith('blocks.'):
            return int(name.split('.')[1]) + 1, num_layers
        return num_layers - 1, num_layers
