import pytest
import torch
import torchvision

from rsfm.models.backbones import ResNet
from rsfm.models.backbones.resnet import convert_resnet


def _random(model, seed=0):
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.normal_(1 if name.endswith('bn1.weight') else 0, 0.05)
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    model.eval()
    return model


def _torchvision_features(model, x):
    x = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    outs = []
    for i in range(1, 5):
        x = getattr(model, f'layer{i}')(x)
        outs.append(x)
    return outs


@pytest.mark.parametrize('depth', [18, 50])
def test_matches_torchvision(depth):
    ref = _random(getattr(torchvision.models, f'resnet{depth}')())
    model = ResNet(depth=depth).eval()
    missing, unexpected = model.load_state_dict(ref.state_dict(),
                                                strict=False)
    assert missing == [] and unexpected == ['fc.weight', 'fc.bias']
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        for ours, theirs in zip(model(x), _torchvision_features(ref, x)):
            torch.testing.assert_close(ours, theirs)


def test_shapes_and_channels():
    model = ResNet(depth=50)
    assert model.out_channels == [256, 512, 1024, 2048]
    outs = ResNet(arch='tiny', in_channels=5, out_indices=(1, 3))(
        torch.randn(1, 5, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 32, 8, 8), (1, 128, 2, 2)]
    with pytest.raises(ValueError, match=r'\(B, 5, H, W\)'):
        ResNet(arch='tiny', in_channels=5)(torch.randn(1, 3, 32, 32))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='depth/arch 42'):
        ResNet(depth=42)
    with pytest.raises(ValueError, match=r'out_indices \(4,\) must name'):
        ResNet(arch='tiny', out_indices=(4, ))
    with pytest.raises(ValueError, match='name 2 bands but in_channels=3'):
        ResNet(arch='tiny', bands=('R', 'G'))


def test_frozen_stages_and_norm_eval():
    model = ResNet(arch='tiny', frozen_stages=1, norm_eval=True)
    model.train()
    assert not model.conv1.weight.requires_grad
    assert not model.layer1[0].conv1.weight.requires_grad
    assert model.layer2[0].conv1.weight.requires_grad
    assert all(not m.training for m in model.modules()
               if isinstance(m, torch.nn.BatchNorm2d))
    mean = model.layer3[0].bn1.running_mean.clone()
    model(torch.randn(2, 3, 32, 32))
    assert torch.equal(mean, model.layer3[0].bn1.running_mean)
    model = ResNet(arch='tiny')
    model.train()
    assert model.layer3[0].bn1.training


def test_drop_path_and_checkpointing():
    torch.manual_seed(0)
    model = ResNet(depth=18, drop_path_rate=0.2)
    assert model.layer4[1].drop_path.drop_prob == pytest.approx(0.2)
    plain = _random(ResNet(arch='tiny'))
    ckpt = ResNet(arch='tiny', with_cp=True).eval()
    ckpt.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 32, 32, requires_grad=True)
    for a, b in zip(plain(x), ckpt(x)):
        torch.testing.assert_close(a, b)


def test_layer_depth():
    model = ResNet(depth=50)
    assert model.get_layer_depth('backbone.conv1.weight', 'backbone.') == (
        0, 18)
    assert model.get_layer_depth('backbone.layer1.0.conv1.weight',
                                 'backbone.') == (1, 18)
    assert model.get_layer_depth('backbone.layer4.2.bn3.bias',
                                 'backbone.') == (16, 18)
    assert model.get_layer_depth('neck.conv.weight', 'backbone.') == (17, 18)
    assert model.get_layer_depth('backbone.layer3.5.conv1.weight',
                                 'backbone.', 'stage_wise') == (3, 6)
    depths = [model.get_layer_depth(n)[0] for n, _ in
              model.named_parameters()]
    assert depths == sorted(depths)


def _save_load(tmp_path, checkpoint, **kwargs):
    path = tmp_path / 'ckpt.pth'
    torch.save(checkpoint, path)
    init_cfg = dict(type='Pretrained', checkpoint=str(path))
    init_cfg.update(kwargs.pop('init', {}))
    model = ResNet(init_cfg=init_cfg, **kwargs)
    model.init_weights()
    return model.eval()


def test_torchvision_file_loads_with_report(tmp_path):
    ref = _random(torchvision.models.resnet50())
    model = _save_load(tmp_path, ref.state_dict(), depth=50)
    report = model.pretrained_report
    assert report.fmt == 'torchvision-layout ResNet'
    assert report.unexpected == ['fc.bias', 'fc.weight']
    assert report.missing == [] and report.match_ratio == 1.0
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(model(x)[-1],
                                   _torchvision_features(ref, x)[-1])


def test_moco_style_prefers_query_encoder(tmp_path):
    q = _random(ResNet(arch='tiny'), seed=1).state_dict()
    k = _random(ResNet(arch='tiny'), seed=2).state_dict()
    sd = {f'module.encoder_k.{n}': v for n, v in k.items()}
    sd.update({f'module.encoder_q.{n}': v for n, v in q.items()})
    sd['module.queue'] = torch.zeros(4, 8)
    model = _save_load(tmp_path, {'state_dict': sd, 'epoch': 200},
                       arch='tiny')
    assert 'under "module.encoder_q."' in model.pretrained_report.fmt
    torch.testing.assert_close(model.layer2[0].conv1.weight,
                               q['layer2.0.conv1.weight'])
    # an explicit prefix picks the other one
    model = _save_load(tmp_path, {'state_dict': sd}, arch='tiny',
                       init=dict(prefix='module.encoder_k.'))
    torch.testing.assert_close(model.layer2[0].conv1.weight,
                               k['layer2.0.conv1.weight'])


def test_ambiguous_prefix_is_an_error():
    t = ResNet(arch='tiny').state_dict()
    sd = {f'{p}.{n}': v for p in ('teacher', 'student') for n, v in t.items()}
    assert 'under "student."' in convert_resnet(sd)[1]  # never the teacher
    sd = {f'{p}.{n}': v for p in ('net_a', 'net_b') for n, v in t.items()}
    with pytest.raises(ValueError, match="several ResNets"):
        convert_resnet(sd)


def test_band_adaptation(tmp_path):
    ref = _random(ResNet(arch='tiny'))
    model = _save_load(tmp_path, ref.state_dict(), arch='tiny',
                       in_channels=2, bands=('NIR', 'R'))
    w = model.conv1.weight
    assert torch.all(w[:, 0] == 0)
    torch.testing.assert_close(w[:, 1], ref.conv1.weight[:, 0])
    with pytest.raises(ValueError, match='in_channels=2; name the input'):
        _save_load(tmp_path, ref.state_dict(), arch='tiny', in_channels=2)


def test_cmid_training_checkpoint_takes_the_online_encoder(tmp_path):
    """CMID trainer: {'model': {online_encoder.model.*, branch_encoder.*,
    projectors}, 'optimizer', 'epoch'}; extract.py keeps the online one."""
    online = _random(ResNet(arch='tiny'), seed=3).state_dict()
    branch = _random(ResNet(arch='tiny'), seed=4).state_dict()
    sd = {f'online_encoder.model.{k}': v for k, v in online.items()}
    sd.update({f'branch_encoder.{k}': v for k, v in branch.items()})
    sd.update({'online_encoder.mask_token': torch.zeros(1, 3, 1, 1),
               'online_projector.0.weight': torch.zeros(8, 128)})
    model = _save_load(tmp_path, {'model': sd, 'epoch': 200,
                                  'optimizer': {'state': {}}}, arch='tiny')
    assert 'under "online_encoder.model."' in model.pretrained_report.fmt
    torch.testing.assert_close(model.layer3[0].conv2.weight,
                               online['layer3.0.conv2.weight'])


def test_gersp_raw_checkpoint_takes_the_query_encoder(tmp_path):
    """GeRSP (mmcv runner): backbone.* aliases encoder_q.*, plus the momentum
    encoder_k.* and projection heads."""
    q = _random(ResNet(arch='tiny'), seed=5).state_dict()
    k = _random(ResNet(arch='tiny'), seed=6).state_dict()
    sd = {f'{p}.{n}': v for p in ('backbone', 'encoder_q')
          for n, v in q.items()}
    sd.update({f'encoder_k.{n}': v for n, v in k.items()})
    sd.update({'neck.mlp.0.weight': torch.zeros(4, 4),
               'pred_q.0.weight': torch.zeros(1000, 128)})
    model = _save_load(tmp_path, {'meta': {'epoch': 100}, 'state_dict': sd},
                       arch='tiny')
    # backbone.* is the same module as encoder_q.*, never encoder_k.*
    assert 'under "backbone."' in model.pretrained_report.fmt
    torch.testing.assert_close(model.layer1[0].conv1.weight,
                               q['layer1.0.conv1.weight'])
    # the converted GeRSP file (convert_gersp.py): backbone.* only
    model = _save_load(tmp_path, {'state_dict': {
        f'backbone.{n}': v for n, v in q.items()}}, arch='tiny')
    assert model.pretrained_report.match_ratio == 1.0
