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
from mmcv.cnn.bricks import DropPath
from mmengine.model.weight_init import trunc_normal_

from rsfm.checkpoint import LoadReport, locate_encoder
from rsfm.registry import MODELS
from .base_backbone import BaseBackbone, freeze

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


def resize_relative_position_table(table: torch.Tensor,
                                   size: int) -> torch.Tensor:
    """Bicubically resize a ``((2w-1)**2, heads)`` bias table to
    ``(size, heads)``, as Swin's fine-tuning code does across windows."""
    src, dst = int(math.isqrt(table.shape[0])), int(math.isqrt(size))
    grid = table.t().reshape(1, -1, src, src)  # (1, heads, 2w-1, 2w-1)
    grid = F.interpolate(grid.float(), size=(dst, dst), mode='bicubic',
                         align_corners=False)
    return grid.reshape(-1, dst * dst).t().to(table.dtype)


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


class WindowAttention(nn.Module):
    """Multi-head self-attention in windows with relative position bias."""

    def __init__(self, dim: int, window: int, num_heads: int):
        super().__init__()
        self.window, self.num_heads = window, num_heads
        self.scale = (dim // num_heads)**-0.5
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros((2 * window - 1)**2, num_heads))
        coords = torch.stack(
            torch.meshgrid(torch.arange(window), torch.arange(window),
                           indexing='ij')).flatten(1)  # (2, w*w)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)
        rel = rel + (window - 1)
        index = rel[..., 0] * (2 * window - 1) + rel[..., 1]  # (w*w, w*w)
        self.register_buffer('relative_position_index', index,
                             persistent=False)
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        trunc_normal_(self.relative_position_bias_table, std=.02)

    def forward(self, x: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        B_, N, C = x.shape  # (B * nW, w*w, C)
        qkv = self.qkv(x).reshape(B_, N, 3, self.num_heads,
                                  C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (B_, heads, N, C / heads)
        attn = (q * self.scale) @ k.transpose(-2, -1)  # (B_, heads, N, N)
        bias = self.relative_position_bias_table[
            self.relative_position_index.view(-1)].view(N, N, -1)
        attn = attn + bias.permute(2, 0, 1).unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = attn.view(B_ // nW, nW, self.num_heads, N, N) + \
                mask[None, :, None]
            attn = attn.view(-1, self.num_heads, N, N)
        x = (attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(B_, N, C)
        return self.proj(x)


class Mlp(nn.Module):

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class SwinBlock(nn.Module):
    """(Shifted) window attention + MLP, pre-norm, with stochastic depth."""

    def __init__(self, dim, num_heads, window, shift, mlp_ratio=4.,
                 drop_path=0., shift_single_window=True):
        super().__init__()
        self.window, self.shift = window, shift
        self.shift_single_window = shift_single_window
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, window, num_heads)
        self.drop_path = DropPath(drop_path) if drop_path > 0 \
            else nn.Identity()
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor, H: int, W: int) -> torch.Tensor:
        B, L, C = x.shape  # (B, H*W, C)
        w = self.window
        shortcut = x
        x = self.norm1(x).view(B, H, W, C)
        pad_b, pad_r = (w - H % w) % w, (w - W % w) % w
        x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))  # (B, Hp, Wp, C)
        Hp, Wp = H + pad_b, W + pad_r
        # NOTE: the official classification model (and GFM's pretraining)
        # does not shift a map that is a single window; the official
        # detection backbone (and mmdet) does, with masks.
        shift = self.shift if self.shift_single_window or (Hp, Wp) != (w, w) \
            else 0
        mask = None
        if shift:
            x = torch.roll(x, (-shift, -shift), dims=(1, 2))
            mask = self._shift_mask(Hp, Wp, x.device)
        x = self.attn(window_partition(x, w), mask)  # (B * nW, w*w, C)
        x = window_reverse(x, w, Hp, Wp)
        if shift:
            x = torch.roll(x, (shift, shift), dims=(1, 2))
        x = x[:, :H, :W].reshape(B, L, C)
        x = shortcut + self.drop_path(x)
        return x + self.drop_path(self.mlp(self.norm2(x)))

    def _shift_mask(self, Hp: int, Wp: int, device) -> torch.Tensor:
        """(nW, w*w, w*w) mask keeping attention inside shifted regions."""
        w, s = self.window, self.shift
        region = torch.zeros(1, Hp, Wp, 1, device=device)
        cuts = (slice(0, -w), slice(-w, -s), slice(-s, None))
        for i, (hs, ws) in enumerate((h, v) for h in cuts for v in cuts):
            region[:, hs, ws] = i
        ids = window_partition(region, w).squeeze(-1)  # (nW, w*w)
        mask = ids[:, None, :] - ids[:, :, None]
        return mask.masked_fill(mask != 0, -100.).masked_fill(mask == 0, 0.)


class PatchMerging(nn.Module):
    """2x2 neighbours concatenated (official order), LayerNorm, Linear."""

    def __init__(self, dim: int):
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x: torch.Tensor, H: int, W: int):
        B, _, C = x.shape
        x = x.view(B, H, W, C)
        x = F.pad(x, (0, 0, 0, W % 2, 0, H % 2))
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2],
                       x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        H, W = x.shape[1], x.shape[2]
        return self.reduction(self.norm(x.view(B, -1, 4 * C))), H, W


class BasicLayer(nn.Module):
    """A stage: blocks alternating plain and shifted windows, then
    (except the last stage) patch merging."""

    def __init__(self, dim, depth, num_heads, window, drop_paths,
                 downsample, with_cp, shift_single_window=True):
        super().__init__()
        self.blocks = nn.ModuleList([
            SwinBlock(dim, num_heads, window,
                      0 if j % 2 == 0 else window // 2,
                      drop_path=drop_paths[j],
                      shift_single_window=shift_single_window)
            for j in range(depth)
        ])
        self.downsample = PatchMerging(dim) if downsample else None
        self.with_cp = with_cp

    def forward(self, x, H, W):
        for block in self.blocks:
            if self.with_cp and x.requires_grad:
                x = cp.checkpoint(block, x, H, W, use_reentrant=False)
            else:
                x = block(x, H, W)
        return x, H, W


class PatchEmbed(nn.Module):

    def __init__(self, in_channels, dim, patch_size):
        super().__init__()
        self.patch_size = patch_size
        self.proj = nn.Conv2d(in_channels, dim, patch_size, patch_size)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        p = self.patch_size
        _, _, H, W = x.shape
        x = F.pad(x, (0, (p - W % p) % p, 0, (p - H % p) % p))
        x = self.proj(x)  # (B, C, H / p, W / p)
        H, W = x.shape[2:]
        return self.norm(x.flatten(2).transpose(1, 2)), H, W


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
        out_indices: Stages to return.
        out_norms: Add an output LayerNorm ``norm{i}`` per returned stage, as
            the official detection backbone does.
        drop_path_rate: Stochastic depth rate, increasing over blocks.
        use_abs_pos_embed: Absolute position embedding (off in Swin).
        frozen_stages: Freeze the patch embedding and the first
            ``frozen_stages`` stages; 0 freezes none.
        with_cp: Gradient checkpointing per block.
        shift_single_window: Shift (with masks) also a feature map that is
            a single window, as the official detection backbone and mmdet
            do (default); ``False`` reproduces the classification model of
            Microsoft / GFM pretraining and mmpretrain's default.
        bands: Names of the input bands, to adapt a pretrained patch
            embedding (see :func:`rsfm.models.utils.adapt_input_bands`).
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` loads
            Microsoft/GFM, mmcls/mmpretrain (CMID) and timm Swin checkpoints.
    """

    convert_checkpoint = staticmethod(convert_swin)
    first_layer = 'patch_embed.proj.weight'
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
                 frozen_stages: int = 0,
                 with_cp: bool = False,
                 shift_single_window: bool = True,
                 bands: Optional[Sequence[str]] = None,
                 init_cfg: Optional[Union[dict, list]] = None):
        super().__init__(in_channels, bands, init_cfg)
        arch = self.parse_arch(arch, ('embed_dims', 'depths', 'num_heads'))
        depths, heads = list(arch['depths']), list(arch['num_heads'])
        num_stages = len(depths)
        for i in out_indices:
            if not 0 <= i < num_stages:
                raise ValueError(f'out_indices entry {i} is outside the '
                                 f'{num_stages} stages')
        if not 0 <= frozen_stages <= num_stages:
            raise ValueError(f'frozen_stages must be in [0, {num_stages}]')
        self.depths, self.window_size = depths, window_size
        self.out_indices = tuple(out_indices)
        self.out_norms = out_norms
        self.frozen_stages = frozen_stages
        dim = arch['embed_dims']
        self.num_features = [dim * 2**i for i in range(num_stages)]

        self.patch_embed = PatchEmbed(in_channels, dim, patch_size)
        self.absolute_pos_embed = None
        if use_abs_pos_embed:
            grid = img_size // patch_size
            self.absolute_pos_embed = nn.Parameter(
                torch.zeros(1, grid * grid, dim))
            trunc_normal_(self.absolute_pos_embed, std=.02)
        rates = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
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

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        self.check_input(x)
        x, H, W = self.patch_embed(x)  # (B, H/4 * W/4, C)
        if self.absolute_pos_embed is not None:
            num = self.absolute_pos_embed.shape[1]
            if x.shape[1] != num:
                raise ValueError(f'absolute_pos_embed is for {num} patches, '
                                 f'the input gives {x.shape[1]}')
            x = x + self.absolute_pos_embed
        outs = []
        for i, layer in enumerate(self.layers):
            x, H, W = layer(x, H, W)
            if i in self.out_indices:
                out = getattr(self, f'norm{i}')(x) if self.out_norms else x
                outs.append(out.view(-1, H, W, self.num_features[i]).permute(
                    0, 3, 1, 2).contiguous())  # (B, C_i, H, W)
            if layer.downsample is not None:
                x, H, W = layer.downsample(x, H, W)
        return tuple(outs)

    def _freeze_stages(self):
        if self.frozen_stages == 0:
            return
        modules = [self.patch_embed] + list(self.layers[:self.frozen_stages])
        if self.out_norms:
            modules += [getattr(self, f'norm{i}') for i in self.out_indices
                        if i < self.frozen_stages]
        freeze(modules)
        if self.absolute_pos_embed is not None:
            self.absolute_pos_embed.requires_grad = False

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
