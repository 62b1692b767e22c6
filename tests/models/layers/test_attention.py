import torch

from rsfm.models.layers import WindowAttention
from rsfm.models.layers.attention import attend


def test_attend_paths_compute_the_same_function():
    """CPU training takes the explicit product, the rest SDPA."""
    torch.manual_seed(0)
    q, k, v = (torch.randn(6, 2, 16, 8) for _ in range(3))
    mask = torch.randn(6, 2, 16, 16)
    with torch.no_grad():
        fused = attend(q, k, v, mask)
    q.requires_grad_()
    explicit = attend(q, k, v, mask)
    assert explicit.grad_fn is not None
    torch.testing.assert_close(explicit.detach(), fused, atol=1e-5,
                               rtol=1e-5)


def test_window_attention_shift_mask_blocks_other_regions():
    torch.manual_seed(0)
    attn = WindowAttention(8, window=2, num_heads=2).eval()
    x = torch.randn(4, 4, 8)  # (batch 2 * 2 windows, 2*2 tokens, C)
    mask = torch.zeros(2, 4, 4)
    mask[1, :, 2:] = -100.  # window 1: tokens 0, 1 cannot see 2, 3
    with torch.no_grad():
        out = attn(x, mask)
        changed = x.clone()
        changed[1, 2:] += 1.  # batch 0, window 1, the hidden tokens
        moved = attn(changed, mask)
    torch.testing.assert_close(out[1, :2], moved[1, :2], atol=1e-4,
                               rtol=1e-4)
    assert not torch.allclose(out[0], out[2])
