"""Multi-head self-attention through ``F.scaled_dot_product_attention``."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model.weight_init import trunc_normal_


class Attention(nn.Module):
    """Global self-attention with a fused ``qkv`` projection (timm / MAE)."""

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


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
           attn_mask: torch.Tensor) -> torch.Tensor:
    """``softmax(q k^T / sqrt(d) + attn_mask) v``.

    NOTE: measured with ``tools/analysis_tools/benchmark_backbones.py``
    (Swin-T, 2 CPU threads): ``F.scaled_dot_product_attention`` with an
    additive mask is faster than the explicit product in inference but
    slower when gradients flow on CPU, so CPU training takes the explicit
    product and everything else (GPU, inference) SDPA. Same function.
    """
    if q.device.type == 'cpu' and torch.is_grad_enabled() and \
            q.requires_grad:
        attn = (q * q.shape[-1]**-0.5) @ k.transpose(-2, -1) + attn_mask
        return attn.softmax(dim=-1) @ v
    return F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)


class WindowAttention(nn.Module):
    """Self-attention inside ``window x window`` windows with a learnt
    relative position bias (Swin).

    The bias, plus the shift mask of shifted windows, is the ``attn_mask``
    of ``F.scaled_dot_product_attention`` (as timm's fused Swin attention;
    see :func:`attend`); the softmax scale is ``head_dim ** -0.5``, Swin's.
    """

    def __init__(self, dim: int, window: int, num_heads: int):
        super().__init__()
        self.window, self.num_heads = window, num_heads
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

    def relative_position_bias(self) -> torch.Tensor:
        """``(heads, w*w, w*w)`` bias of every query-key pair."""
        N = self.window * self.window
        bias = self.relative_position_bias_table[
            self.relative_position_index.view(-1)].view(N, N, -1)
        return bias.permute(2, 0, 1)

    def forward(self, x: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``x``: ``(B * nW, w*w, C)`` windows; ``mask``: ``(nW, w*w, w*w)``
        additive shift mask or ``None``."""
        B_, N, C = x.shape
        qkv = self.qkv(x).reshape(B_, N, 3, self.num_heads,
                                  C // self.num_heads).permute(2, 0, 3, 1, 4)
        attn_mask = self.relative_position_bias().unsqueeze(0)
        if mask is not None:  # (nW, N, N) -> (B * nW, heads, N, N)
            nW = mask.shape[0]
            mask = mask.view(1, nW, 1, N, N).expand(
                B_ // nW, -1, self.num_heads, -1, -1)
            attn_mask = attn_mask + mask.reshape(-1, self.num_heads, N, N)
        # under autocast q, k, v are half precision: so must the mask be
        x = attend(qkv[0], qkv[1], qkv[2], attn_mask.to(qkv.dtype))
        return self.proj(x.transpose(1, 2).reshape(B_, N, C))
