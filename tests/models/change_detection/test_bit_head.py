"""BITHead: open-cd's parameter names and outputs, shapes, errors."""
import os.path as osp

import pytest
import torch
from mmengine.registry import init_default_scope

from rsfm.checkpoint.loading import safe_torch_load
from rsfm.models.change_detection import BITHead
from tests.conftest import REPO

REFERENCE = osp.join(REPO, 'tests', 'data', 'open_cd', 'bit_reference.pth')


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def test_open_cd_checkpoint_loads_strictly_and_computes_the_same():
    # written by open-cd's own BITHead (tests/data/open_cd/
    # make_bit_reference.py): its state dict, an input and its output
    ref = safe_torch_load(REFERENCE)
    head = BITHead(**ref['head']).eval()
    head.load_state_dict(ref['state_dict'], strict=True)
    assert sorted(head.state_dict()) == sorted(ref['state_dict'])
    with torch.no_grad():
        out = head([ref['inputs']])
    torch.testing.assert_close(out, ref['output'], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('use_tokenizer', [True, False])
def test_shapes_and_gradients(use_tokenizer):
    head = BITHead(in_channels=8, channels=16, embed_dims=16, dec_depth=2,
                   num_heads=2, use_tokenizer=use_tokenizer, pre_upsample=1,
                   upsample_size=4, num_classes=2)
    fused = torch.randn(2, 16, 8, 8, requires_grad=True)
    out = head([fused])
    assert out.shape == (2, 2, 32, 32)
    out.sum().backward()
    assert fused.grad.abs().sum() > 0
    assert all(p.grad is not None for p in head.parameters()
               if p.requires_grad)


def test_identical_dates_give_a_constant_map():
    # without the (date-specific) token position embedding, identical
    # dates give |x1 - x2| = 0: the logits are conv_seg's bias
    head = BITHead(in_channels=4, channels=8, embed_dims=8, dec_depth=1,
                   num_heads=2, enc_with_pos=False, num_classes=2).eval()
    date = torch.randn(1, 4, 6, 6)
    with torch.no_grad():
        out = head([torch.cat([date, date], dim=1)])
    expected = head.conv_seg.bias.view(1, 2, 1, 1).expand_as(out)
    torch.testing.assert_close(out, expected)


def test_errors_name_the_problem():
    head = BITHead(in_channels=4, channels=8, embed_dims=8, num_heads=2,
                   num_classes=2)
    with pytest.raises(ValueError, match='FeatureFusionNeck'):
        head([torch.randn(1, 4, 6, 6)])  # summed, not concatenated
    with pytest.raises(ValueError, match='divisible by num_heads'):
        BITHead(in_channels=4, channels=8, embed_dims=10, num_heads=4,
                num_classes=2)
    with pytest.raises(TypeError, match='one feature map'):
        BITHead(in_channels=[4, 8], channels=8, num_classes=2)
