"""What the ViT family shares: transformer blocks, the final norm or the
feature pyramid, freezing and layer depths; subclasses say how an image
becomes tokens (:meth:`BaseViT.embed`) and tokens become a map
(:meth:`BaseViT.tokens_to_map`)."""
import math
from typing import Optional, Sequence, Set, Tuple, Union

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp

from ..layers import (Attention, LayerNorm2d, TransformerBlock,
                      drop_path_rates)
from .base_backbone import BaseBackbone


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


class BaseViT(BaseBackbone):
    """A plain transformer over tokens: final tokens, or a 4-level pyramid.

    ``out_type='raw'`` returns the final-norm tokens ``(B, N, C)`` after all
    blocks. ``out_type='featmap'`` (default) returns maps at strides 4, 8,
    16, 32 (``fpn1``..``fpn4``: transposed convolutions, identity, max
    pooling) made from the tokens of blocks ``out_indices``; blocks after the
    last of them and the final norm, which no output uses, are not built.
    The default ``out_indices`` follow BEiT / MAE / RVSA: blocks
    ``(d/3 - 1, d/2 - 1, 2d/3 - 1, d - 1)`` of a depth-``d`` model, i.e.
    (3, 5, 7, 11) for depth 12 and (7, 11, 15, 23) for depth 24. Fewer
    ``out_indices`` give the first levels only (e.g. ``(11, )``: the last
    block at stride 4, for a single-map head such as BIT), and build only
    those levels.

    The steps of :meth:`forward`: ``embed(x, mask) -> (tokens, grid)``,
    the blocks, then the norm or ``tokens_to_map(tokens, grid)`` and the
    pyramid. Subclasses build their embedding after ``super().__init__``,
    then call ``self._freeze_stages()``.
    """

    arch_settings = {
        'mini': dict(embed_dims=64, depth=4, num_heads=2),
        'tiny': dict(embed_dims=192, depth=12, num_heads=3),
        'small': dict(embed_dims=384, depth=12, num_heads=6),
        'base': dict(embed_dims=768, depth=12, num_heads=12),
        'large': dict(embed_dims=1024, depth=24, num_heads=16),
    }

    def __init__(self,
                 arch: Union[str, dict],
                 in_channels: int,
                 bands: Optional[Sequence[str]],
                 patch_size: int,
                 out_type: str = 'featmap',
                 out_indices: Optional[Sequence[int]] = None,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 drop_path_rate: float = 0.,
                 frozen_stages: int = -1,
                 with_cp: bool = False,
                 attention=Attention,
                 init_cfg=None):
        super().__init__(in_channels, bands, init_cfg)
        arch = self.parse_arch(arch, ('embed_dims', 'depth', 'num_heads'))
        dim, depth = arch['embed_dims'], arch['depth']
        name = type(self).__name__
        if out_type not in ('featmap', 'raw'):
            raise ValueError(f'{name} out_type must be "featmap" or "raw", '
                             f'got {out_type!r}')
        if patch_size not in (4, 8, 16, 32):
            raise ValueError(f'{name} patch_size must be 4, 8, 16 or 32, '
                             f'got {patch_size}')
        if out_type == 'raw':
            if out_indices is not None:
                raise ValueError(f'{name} out_indices apply to out_type='
                                 f'"featmap"; "raw" returns the final tokens')
            out_indices = (depth - 1, )
        elif out_indices is None:
            out_indices = (depth // 3 - 1, depth // 2 - 1, depth * 2 // 3 - 1,
                           depth - 1)
        elif not 1 <= len(out_indices) <= 4:
            raise ValueError(f'{name} out_indices must name 1 to 4 blocks, '
                             f'one per pyramid level, got '
                             f'{tuple(out_indices)}')
        num_blocks = self.init_stages(depth, out_indices, frozen_stages,
                                      what='blocks', repeats=True)
        self.embed_dims, self.depth = dim, depth
        self.patch_size, self.out_type, self.with_cp = (patch_size, out_type,
                                                        with_cp)
        rates = drop_path_rates(drop_path_rate, depth)
        self.blocks = nn.ModuleList([
            TransformerBlock(dim, arch['num_heads'], mlp_ratio, qkv_bias,
                             rates[i], attention) for i in range(num_blocks)
        ])
        if out_type == 'raw':
            self.norm = nn.LayerNorm(dim, eps=1e-6)
        else:
            strides = (4, 8, 16, 32)[:len(out_indices)]
            for level, stride in enumerate(strides, start=1):
                self.add_module(f'fpn{level}',
                                _pyramid_level(dim, patch_size / stride))

    def forward(self, x: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor]:
        self.check_input(x, mask)
        x, grid = self.embed(x, mask)  # (B, N, C)
        feats = {}
        for i, block in enumerate(self.blocks):
            x = cp.checkpoint(block, x, use_reentrant=False) \
                if self.with_cp and x.requires_grad else block(x)
            if i in self.out_indices:
                feats[i] = x
        if self.out_type == 'raw':
            return (self.norm(x), )
        return tuple(
            getattr(self, f'fpn{level}')(self.tokens_to_map(feats[i], grid))
            for level, i in enumerate(self.out_indices, start=1))

    def embed(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None
              ) -> Tuple[torch.Tensor, tuple]:
        """Image to ``(tokens (B, N, C), grid)``; ``grid`` is what
        :meth:`tokens_to_map` needs."""
        raise NotImplementedError

    def tokens_to_map(self, tokens: torch.Tensor,
                      grid: tuple) -> torch.Tensor:
        """``(B, N, C)`` tokens of a block to a ``(B, C, h, w)`` map."""
        raise NotImplementedError

    def stage_parts(self, i: int):
        return [self.blocks[i]]

    def stem_param_names(self) -> Set[str]:
        """Names of the embedding's parameters (layer 0)."""
        ids = set()
        for part in self.stem_parts():
            params = [part] if isinstance(part, nn.Parameter) \
                else part.parameters()
            ids.update(id(p) for p in params)
        return {n for n, p in self.named_parameters() if id(p) in ids}

    def get_layer_depth(self,
                        param_name: str,
                        prefix: str = '',
                        decay_type: str = 'layer_wise') -> Tuple[int, int]:
        """Layer id for layer-wise lr decay (BEiT / MAE fine-tuning): the
        embeddings are layer 0, block ``i`` is ``i + 1``, the rest (final
        norm, pyramid, heads) the top layer.

        Returns:
            ``(layer_id, num_layers)`` with ``num_layers = blocks + 2``.
        """
        self.check_decay_type(decay_type, ('layer_wise', ))
        num_layers = len(self.blocks) + 2
        if not param_name.startswith(prefix):
            return num_layers - 1, num_layers
        name = param_name[len(prefix):]
        if name.startswith('blocks.'):
            return int(name.split('.')[1]) + 1, num_layers
        if name in self.stem_param_names():
            return 0, num_layers
        return num_layers - 1, num_layers
