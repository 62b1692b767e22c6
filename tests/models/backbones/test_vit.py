import pytest
import torch
from mmpretrain.models.backbones import \
    VisionTransformer as MMPretrainViT

from rsfm.models.backbones import VisionTransformer
from rsfm.models.backbones.vit import convert_vit

MINI = dict(embed_dims=64, depth=4, num_heads=2)


def _random(model, seed=0):
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('.weight') and p.dim() == 1:
                p.uniform_(0.5, 1.5)
            else:
                p.normal_(0, 0.05)
    model.eval()
    return model


def test_raw_tokens_match_timm():
    vit = pytest.importorskip('timm.models.vision_transformer')
    ref = _random(vit.VisionTransformer(
        img_size=64, patch_size=16, embed_dim=64, depth=4, num_heads=2,
        num_classes=0))
    model = VisionTransformer(MINI, img_size=64, out_type='raw').eval()
    state_dict, fmt = convert_vit(ref.state_dict())
    assert fmt == 'timm / MAE ViT'
    model.load_state_dict(state_dict, strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(model(x)[0], ref.forward_features(x),
                                   atol=1e-5, rtol=1e-4)


def test_raw_tokens_match_mmpretrain_after_conversion():
    ref = _random(MMPretrainViT(arch=dict(embed_dims=64, num_layers=4,
                                          num_heads=2,
                                          feedforward_channels=256),
                                img_size=64, patch_size=16, out_type='raw'))
    state_dict, fmt = convert_vit(
        {f'backbone.{k}': v for k, v in ref.state_dict().items()})
    assert fmt == 'mmpretrain ViT under "backbone."'
    model = VisionTransformer(MINI, img_size=64, out_type='raw').eval()
    model.load_state_dict(state_dict, strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(model(x)[0], ref(x)[0], atol=1e-5,
                                   rtol=1e-4)


@pytest.mark.parametrize('patch_size', [16, 8])
def test_pyramid_shapes(patch_size):
    model = VisionTransformer(MINI, img_size=64, patch_size=patch_size,
                              in_channels=4).eval()
    outs = model(torch.randn(2, 4, 64, 96))  # another size than img_size
    assert [tuple(o.shape) for o in outs] == [
        (2, 64, 16, 24), (2, 64, 8, 12), (2, 64, 4, 6), (2, 64, 2, 3)]
    with pytest.raises(ValueError, match='multiple of the patch size'):
        model(torch.randn(1, 4, 60, 64))


def test_mae_checkpoint_with_decoder_and_resized_grid(tmp_path):
    src = _random(VisionTransformer(MINI, img_size=32, out_type='raw'))
    sd = dict(src.state_dict())
    sd.update({'mask_token': torch.zeros(1, 1, 32),
               'decoder_embed.weight': torch.zeros(32, 64),
               'decoder_pos_embed': torch.zeros(1, 5, 32)})
    torch.save({'model': sd, 'epoch': 799}, tmp_path / 'mae.pth')
    model = VisionTransformer(MINI, img_size=64, init_cfg=dict(
        type='Pretrained', checkpoint=str(tmp_path / 'mae.pth')))
    model.init_weights()
    report = model.pretrained_report
    assert report.wrapper == 'model' and report.fmt == 'timm / MAE ViT'
    assert report.resized == [('pos_embed', torch.Size([1, 5, 64]),
                               torch.Size([1, 17, 64]))]
    # the final norm is not built for pyramid outputs: unexpected too
    assert report.unexpected == ['decoder_embed.weight', 'decoder_pos_embed',
                                 'mask_token', 'norm.bias', 'norm.weight']
    assert all(k.startswith('fpn') for k in report.missing)
    torch.testing.assert_close(model.pos_embed[:, :1], src.pos_embed[:, :1])


def test_layer_depth_and_frozen():
    model = VisionTransformer('base', frozen_stages=2)
    model.train()
    assert not model.blocks[1].attn.qkv.weight.requires_grad
    assert model.blocks[2].attn.qkv.weight.requires_grad
    assert not model.pos_embed.requires_grad
    depth = model.get_layer_depth
    assert depth('backbone.cls_token', 'backbone.') == (0, 14)
    assert depth('backbone.blocks.11.mlp.fc2.bias', 'backbone.') == (12, 14)
    assert depth('backbone.fpn1.0.weight', 'backbone.') == (13, 14)
    with pytest.raises(ValueError, match='layer_wise'):
        depth('backbone.cls_token', 'backbone.', 'stage_wise')


def test_class_token_position_embedding_dropped_or_added(tmp_path):
    src = _random(VisionTransformer(MINI, img_size=32, out_type='raw'))
    torch.save(src.state_dict(), tmp_path / 'cls.pth')
    model = VisionTransformer(MINI, img_size=32, with_cls_token=False,
                              init_cfg=dict(type='Pretrained',
                                            checkpoint=str(tmp_path /
                                                           'cls.pth')))
    model.init_weights()
    report = model.pretrained_report
    assert any('class-token entry of the checkpoint is dropped' in n
               for n in report.notes)
    assert 'cls_token' in report.unexpected
    torch.testing.assert_close(model.pos_embed.data, src.pos_embed[:, 1:])
    # and the other way round: a zero class-token entry is added
    no_cls = VisionTransformer(MINI, img_size=32, with_cls_token=False,
                               out_type='raw')
    torch.save(no_cls.state_dict(), tmp_path / 'nocls.pth')
    model = VisionTransformer(MINI, img_size=32, init_cfg=dict(
        type='Pretrained', checkpoint=str(tmp_path / 'nocls.pth')))
    model.init_weights()
    assert torch.all(model.pos_embed[:, 0] == 0)
    assert any('no class-token entry' in n
               for n in model.pretrained_report.notes)
