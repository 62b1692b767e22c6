"""ConvNeXt checkpoints load as released, with identical outputs."""
import pytest
import torch
from mmpretrain.models.backbones import ConvNeXt as MMPretrainConvNeXt

from rsfm.models.backbones import ConvNeXt
from rsfm.models.backbones.convnext import convert_convnext

ATTO = dict(depths=[2, 2, 6, 2], dims=[40, 80, 160, 320])


def _random(model, seed=0):
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.1)
    model.eval()  # mmpretrain's train() returns None
    return model


def _load(path, **kwargs):
    init_cfg = dict(type='Pretrained', checkpoint=str(path))
    init_cfg.update(kwargs.pop('init', {}))
    model = ConvNeXt('atto', init_cfg=init_cfg, **kwargs)
    model.init_weights()
    return model.eval()


def _same_outputs(a, b, x=None, atol=1e-5):
    x = torch.randn(2, a.in_channels, 64, 64) if x is None else x
    with torch.no_grad():
        for ya, yb in zip(a(x), b(x)):
            torch.testing.assert_close(ya, yb, atol=atol, rtol=1e-4)


def test_smlfr_timm_style_encoder(tmp_path):
    """SMLFR's *_1kpretrained_timm_style.pth: weights under 'module'."""
    src = _random(ConvNeXt('atto', out_norms=False))
    torch.save({'arch': 'convnext_atto', 'module': src.state_dict(),
                'is_pretrain': False}, tmp_path / 'smlfr.pth')
    model = _load(tmp_path / 'smlfr.pth', out_norms=False)
    report = model.pretrained_report
    assert report.wrapper == 'module'
    assert report.fmt == 'official ConvNeXt / SLFFM encoder'
    assert report.missing == [] and report.unexpected == []
    assert report.match_ratio == 1.0
    _same_outputs(model, src)


def test_smlfr_pretraining_checkpoint_with_decoder(tmp_path):
    """SMLFR's *_withdecoder_*.pth: sparse_encoder.sp_cnn.* plus decoder."""
    src = _random(ConvNeXt('atto', out_norms=False))
    module = {f'sparse_encoder.sp_cnn.{k}': v
              for k, v in src.state_dict().items()}
    module.update({'dense_decoder.dec.0.conv1.weight': torch.zeros(8, 8),
                   'mask_tokens.0': torch.zeros(1, 40, 1, 1),
                   'imn_m': torch.zeros(1, 3, 1, 1)})
    torch.save({'args': {'lr': 2e-4, 'model': 'convnext_atto'},
                'input_size': 224, 'arch': 'convnext_atto', 'epoch': 199,
                'module': module, 'optimizer': {'state': {}},
                'is_pretrain': True}, tmp_path / 'pcfm.pth')
    model = _load(tmp_path / 'pcfm.pth')
    report = model.pretrained_report
    assert report.fmt.startswith(
        'SLFFM pretraining (SMLFR release, sparse encoder) under '
        '"sparse_encoder.sp_cnn."')
    assert '3 other keys dropped' in report.fmt
    # the dense backbone's output norms are not in a pretraining checkpoint
    assert report.missing == [f'norm{i}.{p}' for i in range(4)
                              for p in ('bias', 'weight')]
    assert report.match_ratio > 0.99
    for key, value in src.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value)


def test_mmpretrain_checkpoint_same_outputs(tmp_path):
    ref = _random(MMPretrainConvNeXt(
        arch=dict(depths=ATTO['depths'], channels=ATTO['dims']),
        out_indices=(0, 1, 2, 3), gap_before_final_norm=False))
    torch.save({'meta': {'epoch': 300},
                'state_dict': {f'backbone.{k}': v
                               for k, v in ref.state_dict().items()}},
               tmp_path / 'mmpretrain.pth')
    model = _load(tmp_path / 'mmpretrain.pth')
    assert model.pretrained_report.fmt == 'mmpretrain ConvNeXt under ' \
        '"backbone."'
    assert model.pretrained_report.missing == []
    _same_outputs(model, ref)


@pytest.mark.parametrize('conv_mlp', [False, True])
def test_timm_checkpoint_same_outputs(tmp_path, conv_mlp):
    timm_convnext = pytest.importorskip('timm.models.convnext')
    ref = _random(timm_convnext.ConvNeXt(
        depths=ATTO['depths'], dims=ATTO['dims'], conv_mlp=conv_mlp))
    torch.save(ref.state_dict(), tmp_path / 'timm.pth')
    model = _load(tmp_path / 'timm.pth', out_norms=False)
    report = model.pretrained_report
    assert report.fmt == 'timm ConvNeXt'
    assert report.missing == []
    assert sorted(report.unexpected) == ['head.fc.bias', 'head.fc.weight',
                                         'head.norm.bias', 'head.norm.weight']
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        theirs = ref.forward_intermediates(x, intermediates_only=True)
        for ours, ref_out in zip(model(x), theirs):
            torch.testing.assert_close(ours, ref_out, atol=1e-5, rtol=1e-4)


def test_convnext_v2_is_refused():
    with pytest.raises(ValueError, match='ConvNeXt V2'):
        convert_convnext({'stem.0.weight': torch.zeros(1),
                          'stages.0.blocks.0.mlp.grn.weight': torch.zeros(1)})


def test_too_few_matches_is_an_error(tmp_path):
    torch.save(ConvNeXt('tiny').state_dict(), tmp_path / 'tiny.pth')
    with pytest.raises(ValueError, match=r'matched only \d+\.\d% of the '
                       r'parameters of ConvNeXt'):
        _load(tmp_path / 'tiny.pth')
    torch.save({'encoder.fc.weight': torch.zeros(2)}, tmp_path / 'other.pth')
    with pytest.raises(ValueError, match='other.pth: .*none of the keys'):
        _load(tmp_path / 'other.pth')
    with pytest.raises(ValueError, match="no key starts with prefix 'head.'"):
        _load(tmp_path / 'tiny.pth', init=dict(prefix='head'))


def test_band_selection_and_extension_are_explicit(tmp_path):
    src = _random(ConvNeXt('atto'))
    torch.save(src.state_dict(), tmp_path / 'rgb.pth')
    with pytest.raises(ValueError, match=r'takes 3 bands \(.R., .G., .B.\) '
                       r'but in_channels=4; name the input bands'):
        _load(tmp_path / 'rgb.pth', in_channels=4)
    model = _load(tmp_path / 'rgb.pth', in_channels=4,
                  bands=('B', 'G', 'R', 'NIR'))
    stem = model.downsample_layers[0][0].weight
    ref = src.downsample_layers[0][0].weight
    torch.testing.assert_close(stem[:, :3], ref.flip(1))
    assert torch.all(stem[:, 3] == 0)
    assert any("new (zero-initialised) ['NIR']" in n
               for n in model.pretrained_report.notes)
    # with the new band at zero, RGB inputs give the pretrained features
    x = torch.randn(1, 3, 64, 64)
    x4 = torch.cat([x.flip(1), torch.randn(1, 1, 64, 64)], 1)
    with torch.no_grad():
        torch.testing.assert_close(model(x4)[-1], src(x)[-1])
    # checkpoint bands named in init_cfg (e.g. a BGR checkpoint)
    model = _load(tmp_path / 'rgb.pth', bands=('R', 'G', 'B'),
                  init=dict(checkpoint_bands=('B', 'G', 'R')))
    torch.testing.assert_close(model.downsample_layers[0][0].weight,
                               ref.flip(1))


def test_pretrained_weights_reach_a_detector_config(tmp_path):
    """The shipped DOTA config's Pretrained init_cfg loads an SMLFR file."""
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope

    from tests.tiny import CONFIGS
    src = _random(ConvNeXt('atto', out_norms=False))
    torch.save({'arch': 'convnext_atto', 'module': src.state_dict()},
               tmp_path / 'smlfr.pth')
    cfg = Config.fromfile(next(p for p in CONFIGS if 'dota' in p))
    assert cfg.model.backbone.init_cfg.type == 'Pretrained'
    cfg.model.backbone.arch = 'atto'
    cfg.model.backbone.init_cfg.checkpoint = str(tmp_path / 'smlfr.pth')
    cfg.model.neck.in_channels = ATTO['dims']
    init_default_scope(cfg.default_scope)
    detector = MODELS.build(cfg.model)
    detector.init_weights()
    assert detector.backbone.pretrained_report.match_ratio > 0.99
    torch.testing.assert_close(detector.backbone.stages[2][5].pwconv2.weight,
                               src.stages[2][5].pwconv2.weight)
