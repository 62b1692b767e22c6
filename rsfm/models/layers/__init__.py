"""Bricks shared by rsfm's backbones (and, later, their pretraining
variants): norms, drop-path schedule, attention, transformer blocks, patch
embeddings and resizers of position tables."""
from .attention import Attention, SeparateQKVAttention, WindowAttention
from .drop import DropPath, drop_path_rates
from .norm import LayerNorm2d
from .patch_embed import PatchEmbed
from .pos_embed import (resize_pos_embed, resize_relative_position_table,
                        select_spectral_groups)
from .transformer import Mlp, TransformerBlock

__all__ = [
    'Attention', 'DropPath', 'LayerNorm2d', 'Mlp', 'PatchEmbed',
    'SeparateQKVAttention', 'TransformerBlock', 'WindowAttention',
    'drop_path_rates', 'resize_pos_embed', 'resize_relative_position_table',
    'select_spectral_groups'
]
