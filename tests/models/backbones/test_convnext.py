import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from rsfm.models.backbones import ConvNeXt


class _OfficialLayerNorm(nn.Module):
    """LayerNorm as written in facebookresearch/ConvNeXt (both formats)."""

    def __init__(self, dim, eps=1e-6, channels_first=False):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))
        self.eps, self.channels_first = eps, channels_first

    def forward(self, x):
        if not self.channels_first:
            return F.layer_norm(x, x.shape[-1:], self.weight, self.bias,
                                self.eps)
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


class _OfficialBlock(nn.Module):

    def __init__(self, dim):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = _OfficialLayerNorm(dim)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        y = self.dwconv(x).permute(0, 2, 3, 1)
        y = self.gamma * self.pwconv2(self.act(self.pwconv1(self.norm(y))))
        return x + y.permute(0, 3, 1, 2)


class _OfficialConvNeXtDense(nn.Module):
    """The official dense-prediction ConvNeXt (object_detection/ backbone),
    written from its published definition: the reference rsfm must match."""

    def __init__(self, in_chans, depths, dims):
        super().__init__()
        self.downsample_layers = nn.ModuleList([
            nn.Sequential(
                nn.Conv2d(in_chans, dims[0], 4, stride=4),
                _OfficialLayerNorm(dims[0], channels_first=True))
        ] + [
            nn.Sequential(
                _OfficialLayerNorm(dims[i - 1], channels_first=True),
                nn.Conv2d(dims[i - 1], dims[i], 2, stride=2))
            for i in range(1, 4)
        ])
        self.stages = nn.ModuleList(
            nn.Sequential(*[_OfficialBlock(dims[i]) for _ in range(depths[i])])
            for i in range(4))
        for i in range(4):
            self.add_module(f'norm{i}',
                            _OfficialLayerNorm(dims[i], channels_first=True))

    def forward(self, x):
        outs = []
        for i in range(4):
            x = self.stages[i](self.downsample_layers[i](x))
            outs.append(getattr(self, f'norm{i}')(x))
        return outs


def _randomize(model):
    torch.manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.1)


def test_matches_official_dense_convnext():
    arch = ConvNeXt.arch_settings['atto']
    ref = _OfficialConvNeXtDense(5, arch['depths'], arch['dims']).eval()
    _randomize(ref)
    model = ConvNeXt('atto', in_channels=5).eval()
    # same parameter names: the official state dict loads strictly
    model.load_state_dict(ref.state_dict(), strict=True)
    x = torch.randn(2, 5, 64, 64)
    with torch.no_grad():
        for ours, theirs in zip(model(x), ref(x)):
            torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('arch,dims', [
    ('atto', [40, 80, 160, 320]),
    ('tiny', [96, 192, 384, 768]),
])
def test_output_shapes(arch, dims):
    model = ConvNeXt(arch).eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 96))
    assert [tuple(o.shape) for o in outs] == [
        (1, dims[i], 64 // 2**(i + 2), 96 // 2**(i + 2)) for i in range(4)
    ]


def test_base_parameter_layout():
    names = {n for n, _ in ConvNeXt('base').named_parameters()}
    for name in ('downsample_layers.0.0.weight', 'downsample_layers.0.1.bias',
                 'downsample_layers.3.0.weight', 'downsample_layers.3.1.weight',
                 'stages.2.26.dwconv.weight', 'stages.2.26.norm.weight',
                 'stages.2.26.pwconv1.weight', 'stages.2.26.pwconv2.bias',
                 'stages.2.26.gamma', 'norm0.weight', 'norm3.bias'):
        assert name in names
    # official ConvNeXt-B: 88,591,464 parameters, less the classifier
    # (1024 * 1000 + 1000) and final norm (2 * 1024), plus norm0..3
    n_params = sum(p.numel() for p in ConvNeXt('base').parameters())
    assert n_params == 88_591_464 - 1_025_000 - 2_048 + 2 * 1_920


@pytest.mark.parametrize('in_channels', [1, 4, 12])
def test_any_number_of_bands(in_channels):
    model = ConvNeXt('atto', in_channels=in_channels)
    outs = model(torch.randn(2, in_channels, 32, 32))
    assert outs[0].shape == (2, 40, 8, 8)
    with pytest.raises(ValueError, match=f'\\(B, {in_channels}, H, W\\)'):
        model(torch.randn(2, in_channels + 1, 32, 32))


def test_out_indices_and_norms():
    model = ConvNeXt('atto', out_indices=(1, -1), out_norms=False)
    outs = model(torch.randn(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == [80, 320]
    assert not any(n.startswith('norm') for n, _ in model.named_parameters())
    model = ConvNeXt('atto', out_indices=(3, ))
    assert hasattr(model, 'norm3') and not hasattr(model, 'norm0')


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="'huge'"):
        ConvNeXt('huge')
    with pytest.raises(ValueError, match='depths'):
        ConvNeXt(dict(dims=[8, 16, 32, 64]))
    with pytest.raises(ValueError, match=r'out_indices \(4,\) must name'):
        ConvNeXt('atto', out_indices=(4, ))
    with pytest.raises(ValueError, match='frozen_stages'):
        ConvNeXt('atto', frozen_stages=5)


def test_custom_arch_dict():
    model = ConvNeXt(dict(depths=[1, 1, 1, 1], dims=[8, 16, 32, 64]))
    assert model(torch.randn(1, 3, 32, 32))[-1].shape == (1, 64, 1, 1)


def test_frozen_stages():
    model = ConvNeXt('atto', frozen_stages=2)
    model.train()
    for i in range(4):
        params = list(model.downsample_layers[i].parameters()) + \
            list(model.stages[i].parameters()) + \
            list(getattr(model, f'norm{i}').parameters())
        assert all(p.requires_grad == (i >= 2) for p in params)
    assert not model.stages[1].training and model.stages[2].training
    before = model.stages[0][0].dwconv.weight.clone()
    sum(o.sum() for o in model(torch.randn(1, 3, 32, 32))).backward()
    assert model.stages[0][0].dwconv.weight.grad is None
    assert model.stages[2][0].dwconv.weight.grad is not None
    assert torch.equal(before, model.stages[0][0].dwconv.weight)


def test_drop_path_and_layer_scale():
    model = ConvNeXt('atto', drop_path_rate=0.3, layer_scale_init_value=0.)
    blocks = [b for stage in model.stages for b in stage]
    assert isinstance(blocks[0].drop_path, nn.Identity)
    assert blocks[-1].drop_path.drop_prob == pytest.approx(0.3)
    assert all(b.gamma is None for b in blocks)
    model = ConvNeXt('atto', layer_scale_init_value=1.0)
    assert torch.all(model.stages[0][0].gamma == 1.0)


def test_gradient_checkpointing_same_values_and_grads():
    torch.manual_seed(0)
    plain = ConvNeXt('atto')
    ckpt = ConvNeXt('atto', with_cp=True)
    ckpt.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 32, 32)
    out_plain, out_ckpt = plain(x), ckpt(x)
    for a, b in zip(out_plain, out_ckpt):
        torch.testing.assert_close(a, b)
    sum(o.sum() for o in out_plain).backward()
    sum(o.sum() for o in out_ckpt).backward()
    torch.testing.assert_close(plain.stages[2][1].pwconv1.weight.grad,
                               ckpt.stages[2][1].pwconv1.weight.grad)


def test_init_weights_official_scheme():
    model = ConvNeXt('atto')
    model.init_weights()
    w = model.stages[2][0].pwconv1.weight
    assert w.std().item() == pytest.approx(0.02, rel=0.2)
    assert torch.all(model.stages[2][0].pwconv1.bias == 0)


def _depth(model, name, decay_type='layer_wise'):
    return model.get_layer_depth(name, 'backbone.', decay_type=decay_type)


def test_layer_depth_layer_wise_base():
    model = ConvNeXt('base')
    assert _depth(model, 'backbone.downsample_layers.0.0.weight') == (0, 14)
    assert _depth(model, 'backbone.stages.0.2.gamma') == (1, 14)
    assert _depth(model, 'backbone.downsample_layers.1.1.weight') == (2, 14)
    assert _depth(model, 'backbone.stages.1.0.dwconv.weight') == (2, 14)
    assert _depth(model, 'backbone.stages.2.0.norm.weight') == (3, 14)
    assert _depth(model, 'backbone.stages.2.26.norm.weight') == (11, 14)
    assert _depth(model, 'backbone.downsample_layers.3.1.weight') == (12, 14)
    assert _depth(model, 'backbone.stages.3.2.gamma') == (12, 14)
    assert _depth(model, 'backbone.norm3.weight') == (13, 14)
    assert _depth(model, 'neck.lateral_convs.0.conv.weight') == (13, 14)
    # non-decreasing along the forward order, covering layers 0..12
    depths = []
    for i in range(4):
        for prefix in (f'downsample_layers.{i}', f'stages.{i}'):
            module = model.get_submodule(prefix)
            depths += [_depth(model, f'backbone.{prefix}.{n}')[0]
                       for n, _ in module.named_parameters()]
    assert depths == sorted(depths)
    assert sorted(set(depths)) == list(range(13))


def test_layer_depth_stage_wise_matches_smlfr():
    # SMLFR: LearningRateDecayOptimizerConstructor, stage_wise, num_layers=12
    model = ConvNeXt('base')
    assert _depth(model, 'backbone.downsample_layers.2.0.weight',
                  'stage_wise') == (0, 14)
    for stage in range(4):
        assert _depth(model, f'backbone.stages.{stage}.0.gamma',
                      'stage_wise') == (stage + 1, 14)
    assert _depth(model, 'backbone.norm1.bias', 'stage_wise') == (13, 14)
    assert _depth(model, 'decode_head.conv_seg.weight',
                  'stage_wise') == (13, 14)
    with pytest.raises(ValueError, match='decay_type'):
        _depth(model, 'backbone.stages.0.0.gamma', 'block_wise')


def test_layer_depth_tiny_uses_six_layers():
    model = ConvNeXt('tiny')
    assert _depth(model, 'backbone.stages.2.8.gamma') == (5, 8)
    assert _depth(model, 'backbone.stages.3.0.gamma') == (6, 8)


class _NotATensor:
    pass


def test_pretrained_init_cfg_loads_and_is_not_reinitialised(tmp_path):
    src = ConvNeXt('atto')
    _randomize(src)
    path = str(tmp_path / 'convnext_atto.pth')
    torch.save({'state_dict': {f'backbone.{k}': v
                               for k, v in src.state_dict().items()}}, path)
    model = ConvNeXt('atto', init_cfg=dict(
        type='Pretrained', checkpoint=path, prefix='backbone.'))
    model.init_weights()
    for key, value in src.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value)


def test_pretrained_weights_load_without_arbitrary_pickles(tmp_path):
    # third-party weight files go through torch.load(weights_only=True)
    path = str(tmp_path / 'untrusted.pth')
    torch.save({'state_dict': ConvNeXt('atto').state_dict(),
                'payload': _NotATensor()}, path)
    model = ConvNeXt('atto', init_cfg=dict(type='Pretrained',
                                           checkpoint=path))
    with pytest.raises(ValueError, match=r'untrusted.pth holds pickled '
                       r'objects beyond weights .*_NotATensor.* not a plain '
                       r'weight file'):
        model.init_weights()
