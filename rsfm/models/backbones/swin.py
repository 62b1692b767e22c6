"""Swin Transformer with the official (Microsoft) parameter layout.

Paper: Swin Transformer: Hierarchical Vision Transformer using Shifted
Windows, https://arxiv.org/abs/2103.14030.

Parameter names follow microsoft/Swin-Transformer (``patch_embed.proj``,
``layers.{i}.blocks.{j}.attn.qkv``, ``layers.{i}.downsample.reduction``) and
its dense-prediction backbone (per-stage output norms ``norm{i}``), which GFM
keeps; mmcls/mmpretrain (CMID) and timm checkpoints are converted on load,
and relative position bias tables are resized when the window differs.
"""
import math
import re
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmengine.model.weight_init import trunc_normal_

from rsfm.checkpoint import LoadReport, locate_encoder
from rsfm.registry import MODELS
from ..layers import (DropPath, Mlp, PatchEmbed, WindowAttention,
                      drop_path_rates, resize_relative_position_table)
from .base_backbone import BaseBackbone

_MMCLS_NAMES = (
    (r'^patch_embed\.projection\.', 'patch_embed.proj.'),
    (r'^stages\.', 'layers.'),
    (r'\.attn\.w_msa\.', '.attn.'),
    (r'\.ffn\.layers\.0\.0\.', '.mlp.fc1.'),
    (r'\.ffn\.layers\.1\.', '.mlp.fc2.'),
)


def _unfold_to_official(x: torch.Tensor) -> torch.Tensor:
    """Reorder PatchMerging channels from mmcv's ``nn.Unfold`` order
    (channel-major; kernel (0,0), (0,1), (1,0), (1,1)) to the official
    ``cat([x0, x1, x2, x3])`` order ((0,0), (1,0), (0,1), (1,1) blocks).

    The inverse of mmdet's ``correct_unfold_reduction_order``.
    """
    if x.dim() == 1:
        return x.reshape(-1, 4).t()[[0, 2, 1, 3]].reshape(-1)
    out_channels = x.shape[0]
    x = x.reshape(out_channels, -1, 4).transpose(1, 2)  # (O, 4, C)
    return x[:, [0, 2, 1, 3]].reshape(out_channels, -1)


def convert_swin(state_dict: Dict[str, torch.Tensor]
                 ) -> Tuple[Dict[str, torch.Tensor], str]:
    """Convert a Swin state dict to rsfm's (= Microsoft's) layout.

    Recognised by key sentinels, under any prefix (GFM's ``encoder.``,
    ``backbone.``, ...):

    - Microsoft / GFM: ``patch_embed.proj`` and ``layers.0.blocks.0.attn.qkv``;
    - timm: as Microsoft, but each stage's downsample sits at the start of
      the next stage (``layers.1.downsample``); moved back;
    - mmcls / mmpretrain / mmdet (CMID's Swin): ``patch_embed.projection``,
      ``stages.*.attn.w_msa``, ``ffn.layers``; PatchMerging channels are
      reordered from ``nn.Unfold`` order.

    ``relative_position_index`` and ``attn_mask`` buffers are dropped (rsfm
    computes them for its own window); decoders, heads and teachers outside
    the prefix are dropped.
    """
    kept, sentinel, where = locate_encoder(
        state_dict,
        ('patch_embed.proj.weight', 'patch_embed.projection.weight'),
        'Swin encoders',
        drop_suffixes=('relative_position_index', 'attn_mask',
                       'relative_coords_table'))
    out = {}
    if sentinel == 'patch_embed.projection.weight':
        for key, value in kept.items():
            for pattern, repl in _MMCLS_NAMES:
                key = re.sub(pattern, repl, key)
            if '.downsample.' in key:
                value = _unfold_to_official(value)
            out[key] = value
        return out, 'mmcls/mmpretrain Swin' + where
    timm = any(re.match(r'layers\.[1-9]\.downsample\.', k) for k in kept) \
        and not any(k.startswith('layers.0.downsample.') for k in kept)
    if timm:
        for key, value in kept.items():
            match = re.match(r'layers\.(\d+)\.downsample\.(.*)', key)
            if match:
                key = f'layers.{int(match[1]) - 1}.downsample.{match[2]}'
            out[key] = value
        return out, 'timm Swin' + where
    return kept, 'Microsoft Swin (official / GFM)' + where


def window_partition(x: torch.Tensor, window: int) -> torch.Tensor:
    """(B, H, W, C) -> (B * nW, window * window, C)."""
    B, H, W, C = x.shape
    x = x.view(B, H // window, window, W // window, window, C)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, window * window, C)


def window_reverse(windows: torch.Tensor, window: int, H: int,
                   W: int) -> torch.Tensor:
    """(B * nW, window * window, C) -> (B, H, W, C)."""
    C = windows.shape[-1]
    x = windows.view(-1, H // window, W // window, window, window, C)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, H, W, C)


def shift_mask(Hp: int, Wp: int, window: int, shift: int,
               device=None) -> torch.Tensor:
    """``(nW, w*w, w*w)`` additive mask (0 or -100, as the official code)
    keeping attention inside the regions of a map rolled by ``shift``."""
    region = torch.zeros(1, Hp, Wp, 1, device=device)
    cuts = (slice(0, -window), slice(-window, -shift), slice(-shift, None))
    for i, (hs, ws) in enumerate((h, v) for h in cuts for v in cuts):
        region[:, hs, ws] = i
    ids = window_partition(region, window).squeeze(-1)  # (nW, w*w)
    mask = ids[:, None, :] - ids[:, :, None]
    return mask.masked_fill(mask != 0, -100.).masked_fill(mask == 0, 0.)


class SwinBlock(nn.Module):
    """(Shifted) window attention + MLP, pre-norm, with stochastic depth,
    on ``(B, H, W, C)`` maps padded to whole windows."""

    def __init__(self, dim, num_heads, window, shift, mlp_ratio=4.,
                 drop_path=0.):
        super().__init__()
        self.window, self.shift = window, shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, window, num_heads)
        self.drop_path = DropPath(drop_path) if drop_path > 0 \
            else nn.Identity()
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``mask``: the stage's shift mask, or ``None`` when this block does
        not shift (even blocks, or single-window maps)."""
        B, H, W, C = x.shape
        w = self.window
        shift = self.shift if mask is not None else 0
        shortcut = x
        pad_b, pad_r = (w - H % w) % w, (w - W % w) % w
        x = F.pad(self.norm1(x), (0, 0, 0, pad_r, 0, pad_b))  # (B, Hp, Wp, C)
        Hp, Wp = H + pad_b, W + pad_r
        if shift:
            x = torch.roll(x, (-shift, -shift), dims=(1, 2))
        x = self.attn(window_partition(x, w),
                      mask if shift else None)  # (B * nW, w*w, C)
        x = window_reverse(x, w, Hp, Wp)
        if shift:
            x = torch.roll(x, (shift, shift), dims=(1, 2))
        x = shortcut + self.drop_path(x[:, :H, :W])
        return x + self.drop_path(self.mlp(self.norm2(x)))


class PatchMerging(nn.Module):
    """2x2 neighbours concatenated (official order), LayerNorm, Linear:
    ``(B, H, W, C)`` -> ``(B, ceil(H/2), ceil(W/2), 2C)``."""

    def __init__(self, dim: int):
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        H, W = x.shape[1:3]
        x = F.pad(x, (0, 0, 0, W % 2, 0, H % 2))
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2],
                       x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        return self.reduction(self.norm(x))


class BasicLayer(nn.Module):
    """A stage: blocks alternating plain and shifted windows, then (except
    the last built stage) patch merging, which the next stage runs first.

    The shift mask is made once per map size and device and kept
    (``_masks``; not a buffer, not saved).
    """

    def __init__(self, dim, depth, num_heads, window, drop_paths,
                 downsample, with_cp, shift_single_window=True):
        super().__init__()
        self.window, self.with_cp = window, with_cp
        self.shift_single_window = shift_single_window
        self.blocks = nn.ModuleList([
            SwinBlock(dim, num_heads, window,
                      0 if j % 2 == 0 else window // 2,
                      drop_path=drop_paths[j])
            for j in range(depth)
        ])
        self.downsample = PatchMerging(dim) if downsample else None
        self._masks: Dict[tuple, torch.Tensor] = {}

    def shift_mask(self, H: int, W: int, device) -> Optional[torch.Tensor]:
        """The shift mask of an ``H x W`` map, or ``None`` if it is not
        shifted.

        NOTE: the official classification model (and GFM's pretraining,
        mmpretrain's default) does not shift when ``min(H, W) <= window``;
        the official detection backbone (and mmdet) always shifts, with
        masks. ``shift_single_window`` chooses. The classification model
        also shrinks the window to ``min(H, W)`` below the window size, which
        a fixed-size bias table cannot follow: such maps are padded.
        """
        w = self.window
        if len(self.blocks) < 2 or (not self.shift_single_window
                                    and min(H, W) <= w):
            return None
        Hp, Wp = -(-H // w) * w, -(-W // w) * w
        key = (Hp, Wp, str(device))
        if key not in self._masks:
            if len(self._masks) >= 8:  # many input sizes: keep it small
                self._masks.clear()
            self._masks[key] = shift_mask(Hp, Wp, w, w // 2, device)
        return self._masks[key]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask = self.shift_mask(x.shape[1], x.shape[2], x.device)
        for j, block in enumerate(self.blocks):
            block_mask = mask if j % 2 else None
            if self.with_cp and x.requires_grad:
                x = cp.checkpoint(block, x, block_mask, use_reentrant=False)
            else:
                x = block(x, block_mask)
        return x


@MODELS.register_module()
class SwinTransformer(BaseBackbone):
    """Swin Transformer backbone (official layout) for dense prediction.

    Shapes for a ``(B, in_channels, 224, 224)`` input and ``arch='base'``:
    ``(B, 128, 56, 56)``, ``(B, 256, 28, 28)``, ``(B, 512, 14, 14)``,
    ``(B, 1024, 7, 7)`` (strides 4, 8, 16, 32). Any input size works:
    feature maps are padded to whole windows (as the official detection
    backbone does) and shifted windows are always masked.

    Args:
        arch: ``'mini'`` (the tests' arch), ``'tiny'``, ``'small'``,
            ``'base'``, ``'large'`` or a dict with ``embed_dims``, ``depths``,
            ``num_heads``.
        img_size: Pretraining image size; only needed with
            ``use_abs_pos_embed``.
        patch_size: Patch size of the embedding.
        in_channels: Number of input bands.
        window_size: Attention window; checkpoint tables of another window
            are resized on load (GFM: 6, CMID: 7).
        mlp_ratio: MLP hidden size ratio.
        out_indices: Stages to return; later stages are not built.
        out_norms: Add an output LayerNorm ``norm{i}`` per returned stage, as
            the official detection backbone does.
        drop_path_rate: Stochastic depth rate, increasing over blocks.
        use_abs_pos_embed: Absolute position embedding (off in Swin).
        frozen_stages: -1 freezes nothing, 0 the patch embedding, ``k`` it
            and the first ``k`` stages (blocks, patch merging, output norm).
        with_cp: Gradient checkpointing per block.
        shift_single_window: Shift (with masks) also a feature map whose
            shorter side fits in one window, as the official detection
            backbone and mmdet do (default); ``False`` applies the official
            classification rule (no shift when ``min(H, W) <= window``) of
            Microsoft / GFM pretraining and mmpretrain's default.
        bands: Names of the input bands, to adapt a pretrained patch
            embedding (see :func:`rsfm.models.utils.adapt_input_bands`).
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` loads
            Microsoft/GFM, mmcls/mmpretrain (CMID) and timm Swin checkpoints.
    """

    convert_checkpoint = staticmethod(convert_swin)
    first_layer = 'patch_embed.proj.weight'
    no_weight_decay_keys = ('absolute_pos_embed',
                            'relative_position_bias_table')
    arch_settings = {
        'mini': dict(embed_dims=32, depths=[1, 1, 2, 1],
                     num_heads=[1, 2, 4, 8]),
        'tiny': dict(embed_dims=96, depths=[2, 2, 6, 2],
                     num_heads=[3, 6, 12, 24]),
        'small': dict(embed_dims=96, depths=[2, 2, 18, 2],
                      num_heads=[3, 6, 12, 24]),
        'base': dict(embed_dims=128, depths=[2, 2, 18, 2],
                     num_heads=[4, 8, 16, 32]),
        'large': dict(embed_dims=192, depths=[2, 2, 18, 2],
                      num_heads=[6, 12, 24, 48]),
    }

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 img_size: int = 224,
                 patch_size: int = 4,
                 in_channels: int = 3,
                 window_size: int = 7,
                 mlp_ratio: float = 4.,
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 out_norms: bool = True,
                 drop_path_rate: float = 0.1,
                 use_abs_pos_embed: bool = False,
                 frozen_stages: int = -1,
                 with_cp: bool = False,
                 shift_single_window: bool = True,
                 bands: Optional[Sequence[str]] = None,
                 init_cfg: Optional[Union[dict, list]] = None):
        super().__init__(in_channels, bands, init_cfg)
        arch = self.parse_arch(arch, ('embed_dims', 'depths', 'num_heads'))
        depths, heads = list(arch['depths']), list(arch['num_heads'])
        num_stages = self.init_stages(len(depths), out_indices, frozen_stages)
        self.depths, self.window_size = depths, window_size
        self.out_norms = out_norms
        dim = arch['embed_dims']
        self.num_features = [dim * 2**i for i in range(len(depths))]

        self.patch_embed = PatchEmbed(in_channels, dim, patch_size, norm=True,
                                      pad=True)
        self.absolute_pos_embed = None
        if use_abs_pos_embed:
            grid = img_size // patch_size
            self.absolute_pos_embed = nn.Parameter(
                torch.zeros(1, grid * grid, dim))
            trunc_normal_(self.absolute_pos_embed, std=.02)
        rates = drop_path_rates(drop_path_rate, sum(depths))
        self.layers = nn.ModuleList()
        for i in range(num_stages):
            start = sum(depths[:i])
            self.layers.append(
                BasicLayer(self.num_features[i], depths[i], heads[i],
                           window_size, rates[start:start + depths[i]],
                           downsample=i < num_stages - 1, with_cp=with_cp,
                           shift_single_window=shift_single_window))
        if out_norms:
            for i in self.out_indices:
                self.add_module(f'norm{i}',
                                nn.LayerNorm(self.num_features[i]))
        self._freeze_stages()

    def init_default_weights(self):
        """Official init: trunc normal 0.02 Linear, LayerNorm 1/0."""
        self.trunc_normal_init()
        for m in self.modules():
            if isinstance(m, nn.LayerNorm):
                nn.init.constant_(m.weight, 1.0)
                nn.init.constant_(m.bias, 0)

    def adapt_pretrained(self, state_dict: dict, report: LoadReport,
                         init_cfg: dict) -> dict:
        """Resize bias tables and position embeddings; adapt bands."""
        own = self.state_dict()
        for key, value in list(state_dict.items()):
            if key.endswith('relative_position_bias_table') and key in own \
                    and value.shape != own[key].shape \
                    and value.shape[1] == own[key].shape[1]:
                state_dict[key] = resize_relative_position_table(
                    value, own[key].shape[0])
                report.resized.append((key, value.shape, own[key].shape))
        key = 'absolute_pos_embed'
        if key in state_dict and key in own and \
                state_dict[key].shape != own[key].shape:
            src, dst = state_dict[key], own[key]
            s, d = math.isqrt(src.shape[1]), math.isqrt(dst.shape[1])
            grid = src.reshape(1, s, s, -1).permute(0, 3, 1, 2)
            grid = F.interpolate(grid, size=(d, d), mode='bicubic',
                                 align_corners=False)
            state_dict[key] = grid.permute(0, 2, 3, 1).reshape(dst.shape)
            report.resized.append((key, src.shape, dst.shape))
        return super().adapt_pretrained(state_dict, report, init_cfg)

    def embed(self, x: torch.Tensor,
              mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Patch embedding (padded to whole patches), absolute position
        embedding if any: ``(B, H/4, W/4, C)``."""
        x, (H, W) = self.patch_embed(x)  # (B, H/4 * W/4, C)
        if self.absolute_pos_embed is not None:
            num = self.absolute_pos_embed.shape[1]
            if x.shape[1] != num:
                raise ValueError(f'absolute_pos_embed is for {num} patches, '
                                 f'the input gives {x.shape[1]}')
            x = x + self.absolute_pos_embed
        return x.view(x.shape[0], H, W, -1)

    def forward_stage(self, i: int, x: torch.Tensor,
                      mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Patch merging of the previous stage, then the blocks:
        ``(B, H / 2**(i+2), W / 2**(i+2), num_features[i])``."""
        if i > 0:
            x = self.layers[i - 1].downsample(x)
        return self.layers[i](x)

    def output(self, i: int, x: torch.Tensor) -> torch.Tensor:
        if self.out_norms:
            x = getattr(self, f'norm{i}')(x)
        return x.permute(0, 3, 1, 2).contiguous()  # (B, C_i, H_i, W_i)

    def stem_parts(self):
        parts = [self.patch_embed]
        if self.absolute_pos_embed is not None:
            parts.append(self.absolute_pos_embed)
        return parts

    def stage_parts(self, i: int):
        parts = [self.layers[i]]
        if self.out_norms and i in self.out_indices:
            parts.append(getattr(self, f'norm{i}'))
        return parts

    def get_layer_depth(self,
                        param_name: str,
                        prefix: str = '',
                        decay_type: str = 'layer_wise') -> Tuple[int, int]:
        """Layer id of a parameter for layer-wise learning-rate decay.

        ``'layer_wise'``: the patch embedding is layer 0, every block one
        layer in forward order, a stage's patch merging belongs to its last
        block; ``'stage_wise'``: patch embedding 0, stage ``k`` is ``k + 1``.
        Output norms and parameters outside the backbone get the top layer.

        Returns:
            ``(layer_id, num_layers)``.
        """
        self.check_decay_type(decay_type)
        num_layers = (sum(self.depths) if decay_type == 'layer_wise' else
                      len(self.depths)) + 2
        if not param_name.startswith(prefix):
            return num_layers - 1, num_layers
        name = param_name[len(prefix):]
        if name.startswith(('patch_embed.', 'absolute_pos_embed')):
            return 0, num_layers
        match = re.match(r'layers\.(\d+)\.(blocks\.(\d+)|downsample)', name)
        if match is None:
            return num_layers - 1, num_layers
        stage = int(match[1])
        if decay_type == 'stage_wise':
            return stage + 1, num_layers
        block = int(match[3]) if match[3] is not None \
            else self.depths[stage] - 1
        return sum(self.depths[:stage]) + block + 1, num_layers
