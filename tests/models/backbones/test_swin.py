import pytest
import torch
from mmpretrain.models.backbones import \
    SwinTransformer as MMPretrainSwinTransformer

from rsfm.models.backbones import SwinTransformer
from rsfm.models.backbones.swin import convert_swin
from rsfm.models.layers import resize_relative_position_table

MINI = dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8])


def _random(model, seed=0):
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('.weight') and p.dim() == 1:
                p.uniform_(0.5, 1.5)  # norm weights
            else:
                p.normal_(0, 0.05)
    model.eval()
    return model


def _same(outs_a, outs_b):
    for a, b in zip(outs_a, outs_b):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


def test_parameter_count_of_swin_b():
    # microsoft swin_base_patch4_window7_224: 87,768,224 parameters, less the
    # classifier (1024 * 1000 + 1000) and final norm, plus norm0..3
    n = sum(p.numel() for p in SwinTransformer('base').parameters())
    assert n == 87_768_224 - 1_025_000 - 2_048 + 2 * 1_920


def test_shapes_any_input_size_and_bands():
    model = SwinTransformer('mini', in_channels=5, window_size=4).eval()
    outs = model(torch.randn(2, 5, 100, 72))  # not a multiple of anything
    assert [tuple(o.shape) for o in outs] == [
        (2, 32, 25, 18), (2, 64, 13, 9), (2, 128, 7, 5), (2, 256, 4, 3)]
    with pytest.raises(ValueError, match=r'\(B, 5, H, W\)'):
        model(torch.randn(1, 3, 64, 64))


def test_matches_mmpretrain_swin_after_conversion():
    """mmcls/mmpretrain layout (CMID's Swin): same function after the
    PatchMerging channel reorder."""
    ref = _random(MMPretrainSwinTransformer(
        arch=MINI, img_size=128, window_size=4, out_indices=(0, 1, 2, 3)))
    converted, fmt = convert_swin(
        {f'backbone.{k}': v for k, v in ref.state_dict().items()})
    assert fmt.startswith('mmcls/mmpretrain Swin under "backbone."')
    model = SwinTransformer(MINI, window_size=4).eval()
    missing, unexpected = model.load_state_dict(converted, strict=False)
    assert missing == [] and unexpected == []
    x = torch.randn(2, 3, 128, 128)
    with torch.no_grad():
        _same(model(x), ref(x))


def test_matches_timm_swin_after_conversion():
    swin = pytest.importorskip('timm.models.swin_transformer')
    ref = _random(swin.SwinTransformer(
        img_size=128, patch_size=4, embed_dim=32, depths=(1, 1, 2, 1),
        num_heads=(1, 2, 4, 8), window_size=4, num_classes=0))
    converted, fmt = convert_swin(ref.state_dict())
    assert fmt.startswith('timm Swin')
    model = SwinTransformer(MINI, window_size=4, out_norms=False).eval()
    missing, unexpected = model.load_state_dict(converted, strict=False)
    assert missing == [] and sorted(unexpected) == ['norm.bias',
                                                    'norm.weight']
    x = torch.randn(2, 3, 128, 128)
    with torch.no_grad():
        theirs = ref.forward_intermediates(x, intermediates_only=True)
        _same(model(x), theirs)


def test_gfm_checkpoint_loads_with_window_resize(tmp_path):
    """GFM: 'model' wrapper, 'encoder.' prefix, Microsoft keys, window 6,
    plus attn_mask / relative_position_index buffers, a decoder and an
    ImageNet teacher."""
    src = _random(SwinTransformer(MINI, window_size=6, out_norms=False))
    model_sd = {f'encoder.{k}': v for k, v in src.state_dict().items()}
    model_sd.update({
        f'teacher.{k}': torch.zeros_like(v)
        for k, v in SwinTransformer(MINI, window_size=7).state_dict().items()
    })
    model_sd.update({
        'encoder.mask_token': torch.zeros(1, 1, 32),
        'encoder.norm.weight': torch.ones(256),
        'encoder.norm.bias': torch.zeros(256),
        'encoder.layers.0.blocks.0.attn.relative_position_index':
        torch.zeros(36, 36, dtype=torch.long),
        'encoder.layers.2.blocks.1.attn_mask': torch.zeros(4, 36, 36),
        'decoder.0.weight': torch.zeros(3072, 256, 1, 1),
        'projector.weight': torch.zeros(256, 256),
    })
    torch.save({'model': model_sd, 'epoch': 99, 'max_accuracy': 0.0},
               tmp_path / 'gfm.pth')
    model = SwinTransformer(MINI, window_size=7, init_cfg=dict(
        type='Pretrained', checkpoint=str(tmp_path / 'gfm.pth')))
    model.init_weights()
    report = model.pretrained_report
    assert report.wrapper == 'model'
    assert report.fmt.startswith('Microsoft Swin (official / GFM) under '
                                 '"encoder."')
    assert report.unexpected == ['mask_token', 'norm.bias', 'norm.weight']
    assert all(k.startswith('norm') for k in report.missing)
    tables = [r for r in report.resized
              if r[0].endswith('relative_position_bias_table')]
    assert len(tables) == 5 and tuple(tables[0][1]) == (121, 1) and \
        tuple(tables[0][2]) == (169, 1)
    torch.testing.assert_close(model.layers[2].blocks[1].mlp.fc1.weight,
                               src.layers[2].blocks[1].mlp.fc1.weight)
    # same window: the tables load unchanged and outputs match
    same = SwinTransformer(MINI, window_size=6, out_norms=False, init_cfg=dict(
        type='Pretrained', checkpoint=str(tmp_path / 'gfm.pth')))
    same.init_weights()
    assert same.pretrained_report.resized == []
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        _same(same.eval()(x), src(x))


def test_resize_table_identity_and_shape():
    table = torch.randn(121, 4)
    torch.testing.assert_close(resize_relative_position_table(table, 121),
                               table)
    assert resize_relative_position_table(table, 169).shape == (169, 4)


def test_frozen_stages_and_layer_depth():
    model = SwinTransformer('mini', window_size=4, frozen_stages=2)
    model.train()
    assert not model.patch_embed.proj.weight.requires_grad
    assert not model.layers[1].blocks[0].attn.qkv.weight.requires_grad
    assert not model.layers[1].downsample.reduction.weight.requires_grad
    assert not model.norm1.weight.requires_grad
    assert model.layers[2].blocks[0].attn.qkv.weight.requires_grad
    depth = SwinTransformer('base').get_layer_depth
    assert depth('backbone.patch_embed.proj.weight', 'backbone.') == (0, 26)
    assert depth('backbone.layers.0.blocks.1.norm1.weight',
                 'backbone.') == (2, 26)
    assert depth('backbone.layers.0.downsample.reduction.weight',
                 'backbone.') == (2, 26)
    assert depth('backbone.layers.3.blocks.1.mlp.fc2.bias',
                 'backbone.') == (24, 26)
    assert depth('backbone.norm3.weight', 'backbone.') == (25, 26)
    assert depth('backbone.layers.2.blocks.7.attn.qkv.weight', 'backbone.',
                 'stage_wise') == (3, 6)


def test_checkpointing_same_values():
    plain = _random(SwinTransformer('mini', window_size=4, drop_path_rate=0))
    ckpt = SwinTransformer('mini', window_size=4, drop_path_rate=0,
                           with_cp=True).eval()
    ckpt.load_state_dict(plain.state_dict())
    x = torch.randn(1, 3, 64, 64, requires_grad=True)
    _same(plain(x), ckpt(x))


def test_ambiguous_encoders_need_a_prefix():
    sd = SwinTransformer('mini').state_dict()
    both = {f'{p}.{k}': v for p in ('student', 'teacher')
            for k, v in sd.items()}
    assert 'under "student."' in convert_swin(both)[1]
    both = {f'{p}.{k}': v for p in ('swin_a', 'swin_b')
            for k, v in sd.items()}
    with pytest.raises(ValueError, match='several Swin encoders'):
        convert_swin(both)


@pytest.mark.parametrize('size', [(128, 128), (128, 256), (256, 128)])
@pytest.mark.parametrize('shift_single_window', [False, True])
def test_single_window_maps_follow_the_chosen_official_model(
        shift_single_window, size):
    """The last stage (2 blocks here) is 4 high or wide with window 4:
    mmpretrain's default (pad_small_map=False), like Microsoft's
    classification model and GFM's pretraining, does not shift a map with
    min(H, W) <= window (also 4x8 maps: the rule is per dimension); the
    detection backbone (mmdet, pad_small_map=True) does."""
    arch = dict(embed_dims=32, depths=[1, 1, 1, 2], num_heads=[1, 2, 4, 8])
    ref = _random(MMPretrainSwinTransformer(
        arch=arch, img_size=64, window_size=4, out_indices=(3, ),
        pad_small_map=shift_single_window))
    converted, _ = convert_swin(ref.state_dict())
    model = SwinTransformer(arch, window_size=4, out_indices=(3, ),
                            shift_single_window=shift_single_window).eval()
    model.load_state_dict(converted, strict=True)
    x = torch.randn(2, 3, *size)
    with torch.no_grad():
        _same(model(x), ref(x))
    other = SwinTransformer(arch, window_size=4, out_indices=(3, ),
                            shift_single_window=not shift_single_window)
    other.load_state_dict(converted, strict=True)
    with torch.no_grad():
        assert not torch.allclose(other.eval()(x)[0], ref(x)[0], atol=1e-3)
