"""The bitemporal image transformer (BIT) decode head.

Chen, Qi and Shi, "Remote Sensing Image Change Detection With Transformers",
TGRS 2021 (https://arxiv.org/abs/2103.00208). Parameter names and the
computation follow open-cd 1.x ``opencd/models/decode_heads/bit_head.py``, so
that BIT checkpoints trained with open-cd load with ``strict=True`` and give
the same outputs.
"""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from mmengine.model import ModuleList, Sequential
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import Upsample

from rsfm.registry import MODELS


class CrossAttention(nn.Module):
    """Multi-head attention of the tokens ``x`` to ``ref``.

    Args:
        in_dims: Channels of the tokens.
        embed_dims: Channels of queries, keys and values (all heads).
        num_heads: Number of heads.
        dropout_rate: Dropout after the output projection.
        apply_softmax: Softmax over the keys (else raw products).
    """

    def __init__(self, in_dims: int, embed_dims: int, num_heads: int,
                 dropout_rate: float = 0., apply_softmax: bool = True):
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'BITHead: embed_dims={embed_dims} is not '
                             f'divisible by num_heads={num_heads}')
        self.num_heads = num_heads
        # NOTE: scaled by the token width, not the head width: BIT's and
        # open-cd's choice, kept so that their checkpoints compute the same.
        self.scale = in_dims**-0.5
        self.apply_softmax = apply_softmax
        self.to_q = nn.Linear(in_dims, embed_dims, bias=False)
        self.to_k = nn.Linear(in_dims, embed_dims, bias=False)
        self.to_v = nn.Linear(in_dims, embed_dims, bias=False)
        self.fc_out = nn.Sequential(
            nn.Linear(embed_dims, in_dims), nn.Dropout(dropout_rate))

    def forward(self, x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        b, n, m = x.shape[0], x.shape[1], ref.shape[1]
        # (B, heads, N or M, embed / heads)
        q = self.to_q(x).reshape(b, n, self.num_heads, -1).transpose(1, 2)
        k = self.to_k(ref).reshape(b, m, self.num_heads, -1).transpose(1, 2)
        v = self.to_v(ref).reshape(b, m, self.num_heads, -1).transpose(1, 2)
        attn = q @ k.transpose(-1, -2) * self.scale  # (B, heads, N, M)
        if self.apply_softmax:
            attn = attn.softmax(dim=-1)
        out = (attn @ v).transpose(1, 2).flatten(2)  # (B, N, embed)
        return self.fc_out(out)


class FeedForward(nn.Sequential):
    """Linear, ReLU, dropout, linear, dropout."""

    def __init__(self, dim: int, hidden_dim: int, dropout_rate: float = 0.):
        super().__init__(
            nn.Linear(dim, hidden_dim), nn.ReLU(), nn.Dropout(dropout_rate),
            nn.Linear(hidden_dim, dim), nn.Dropout(dropout_rate))


class TransformerEncoder(nn.Module):
    """Pre-norm self-attention and feed-forward over the semantic tokens."""

    def __init__(self, in_dims: int, embed_dims: int, num_heads: int,
                 drop_rate: float, norm_cfg: dict,
                 apply_softmax: bool = True):
        super().__init__()
        self.attn = CrossAttention(in_dims, embed_dims, num_heads,
                                   drop_rate, apply_softmax)
        self.ff = FeedForward(in_dims, embed_dims, drop_rate)
        self.norm1 = build_norm_layer(norm_cfg, in_dims)[1]
        self.norm2 = build_norm_layer(norm_cfg, in_dims)[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        normed = self.norm1(x)
        x = self.attn(normed, normed) + x
        return self.ff(self.norm2(x)) + x


class TransformerDecoder(TransformerEncoder):
    """Pre-norm attention of pixels to tokens (with their own norm
    ``norm1_``), and feed-forward."""

    def __init__(self, in_dims: int, embed_dims: int, num_heads: int,
                 drop_rate: float, norm_cfg: dict,
                 apply_softmax: bool = True):
        super().__init__(in_dims, embed_dims, num_heads, drop_rate, norm_cfg,
                         apply_softmax)
        self.norm1_ = build_norm_layer(norm_cfg, in_dims)[1]

    def forward(self, x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        x = self.attn(self.norm1(x), self.norm1_(ref)) + x
        return self.ff(self.norm2(x)) + x


@MODELS.register_module()
class BITHead(BaseDecodeHead):
    """BIT: semantic tokens of both dates, a transformer encoder over them,
    a transformer decoder that projects them back onto each date's pixels,
    and the absolute difference of the two refined maps.

    Input: the fused features of a ``FeatureFusionNeck`` with
    ``policy='concat'`` (both dates' ``in_channels`` stacked on channels).
    For a 256 input with stride-4 features (ConvNeXt stage 0) and
    ``pre_upsample=1, upsample_size=4`` the logits are ``(B, classes, 256,
    256)``.

    Args:
        in_channels: Channels of one date's feature map.
        channels: Token and pixel width inside the head.
        embed_dims: Attention and feed-forward width.
        enc_depth: Transformer encoder blocks.
        enc_with_pos: Learned position embedding of the tokens.
        dec_depth: Transformer decoder blocks.
        num_heads: Attention heads.
        drop_rate: Dropout in attention outputs and feed-forwards.
        pool_size: Token grid side when ``use_tokenizer=False``.
        pool_mode: ``'max'`` or ``'avg'`` pooling for those tokens.
        use_tokenizer: Semantic tokens from learned spatial attention
            (else pooled feature cells).
        token_len: Semantic tokens per date.
        pre_upsample: Upsampling of the features before the head's conv.
        upsample_size: Upsampling of the difference map before ``conv_seg``.
        norm_cfg: Norm of the transformer blocks.
        act_cfg: Kept for open-cd's signature (its ConvModules use ReLU).
        **kwargs: ``BaseDecodeHead`` arguments (``num_classes``, losses...).
    """

    def __init__(self,
                 in_channels: int = 256,
                 channels: int = 32,
                 embed_dims: int = 64,
                 enc_depth: int = 1,
                 enc_with_pos: bool = True,
                 dec_depth: int = 8,
                 num_heads: int = 8,
                 drop_rate: float = 0.,
                 pool_size: int = 2,
                 pool_mode: str = 'max',
                 use_tokenizer: bool = True,
                 token_len: int = 4,
                 pre_upsample: int = 2,
                 upsample_size: int = 4,
                 norm_cfg: dict = dict(type='LN'),
                 act_cfg: dict = dict(type='ReLU', inplace=True),
                 **kwargs):
        if not isinstance(in_channels, int):
            raise TypeError(f'BITHead takes one feature map: in_channels '
                            f'must be an int (one date\'s channels), got '
                            f'{in_channels}')
        if pool_mode not in ('max', 'avg'):
            raise ValueError(f"BITHead pool_mode must be 'max' or 'avg', "
                             f'got {pool_mode!r}')
        super().__init__(in_channels, channels, **kwargs)
        self.norm_cfg, self.act_cfg = norm_cfg, act_cfg
        self.embed_dims, self.num_heads = embed_dims, num_heads
        self.use_tokenizer = use_tokenizer
        self.pool_size, self.pool_mode = pool_size, pool_mode
        if use_tokenizer:
            self.token_len = token_len
            # ConvModule's default ReLU included, as open-cd
            self.conv_att = ConvModule(
                channels, token_len, 1, conv_cfg=self.conv_cfg)
        else:
            self.token_len = pool_size * pool_size
        self.enc_with_pos = enc_with_pos
        if enc_with_pos:
            self.enc_pos_embedding = nn.Parameter(
                torch.randn(1, self.token_len * 2, channels))
        self.pre_process = Sequential(
            Upsample(scale_factor=pre_upsample, mode='bilinear',
                     align_corners=self.align_corners),
            ConvModule(in_channels, channels, 3, padding=1,
                       conv_cfg=self.conv_cfg))
        self.encoder = ModuleList(
            TransformerEncoder(channels, embed_dims, num_heads, drop_rate,
                               norm_cfg) for _ in range(enc_depth))
        self.decoder = ModuleList(
            TransformerDecoder(channels, embed_dims, num_heads, drop_rate,
                               norm_cfg) for _ in range(dec_depth))
        self.upsample = Upsample(scale_factor=upsample_size, mode='bilinear',
                                 align_corners=self.align_corners)

    def semantic_tokens(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, H, W)`` -> ``(B, token_len, C)``: one spatial softmax
        attention per token, or pooled cells without the tokenizer."""
        if not self.use_tokenizer:
            pool = F.adaptive_max_pool2d if self.pool_mode == 'max' \
                else F.adaptive_avg_pool2d
            x = pool(x, (self.pool_size, self.pool_size))
            return x.flatten(2).transpose(1, 2)
        att = self.conv_att(x).flatten(2).softmax(dim=-1)  # (B, L, HW)
        return att @ x.flatten(2).transpose(1, 2)  # (B, L, C)

    def _forward_feature(self, inputs: Sequence[torch.Tensor]
                         ) -> torch.Tensor:
        """Fused features -> the upsampled difference map ``(B, channels,
        H', W')``, before ``conv_seg``."""
        fused = self._transform_inputs(inputs)  # (B, 2 C_in, h, w)
        if fused.shape[1] != 2 * self.in_channels:
            raise ValueError(
                f'BITHead expects both dates concatenated on channels '
                f'(2 x in_channels = {2 * self.in_channels}), got '
                f'{fused.shape[1]}: use FeatureFusionNeck(policy=\'concat\')')
        x1, x2 = (self.pre_process(t) for t in fused.chunk(2, dim=1))
        b, c, h, w = x1.shape
        # 1. tokenize each date, encode both dates' tokens together
        tokens = torch.cat([self.semantic_tokens(x1),
                            self.semantic_tokens(x2)], dim=1)  # (B, 2L, C)
        if self.enc_with_pos:
            tokens = tokens + self.enc_pos_embedding
        for block in self.encoder:
            tokens = block(tokens)
        tokens1, tokens2 = tokens.chunk(2, dim=1)
        # 2. decode: each date's pixels attend to its own tokens
        x1 = x1.flatten(2).transpose(1, 2)  # (B, HW, C)
        x2 = x2.flatten(2).transpose(1, 2)
        for block in self.decoder:
            x1, x2 = block(x1, tokens1), block(x2, tokens2)
        x1 = x1.transpose(1, 2).reshape(b, c, h, w)
        x2 = x2.transpose(1, 2).reshape(b, c, h, w)
        # 3. difference
        return self.upsample(torch.abs(x1 - x2))

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        return self.cls_seg(self._forward_feature(inputs))
