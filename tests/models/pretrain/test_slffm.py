"""SLFFM against SMLFR's semantics (Pretrain/pcfm.py, encoder.py,
decoder.py, low_freq.py), on the official whole-model layout."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope

from rsfm.models.backbones import ConvNeXt
from rsfm.models.pretrain import SLFFM, LowFreqTarget, SparseConvNeXt

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
DEPTHS, DIMS, WIDTH = [1, 1, 2, 1], [16, 24, 32, 48], 64


def _slffm(**kwargs):
    init_default_scope('mmpretrain')
    return SLFFM(
        backbone=dict(type='rsfm.SparseConvNeXt',
                      arch=dict(depths=DEPTHS, dims=DIMS)),
        neck=dict(type='rsfm.SLFFMDecoder', width=WIDTH),
        head=dict(type='rsfm.SLFFMHead'),
        target_generator=dict(type='rsfm.LowFreqTarget', mean=MEAN,
                              std=STD, img_size=64), **kwargs)


def _official_state_dict(seed=0):
    """A tiny PCFM state dict in SMLFR's whole-model layout (MIM.md 2.4),
    random values."""
    g = torch.Generator().manual_seed(seed)

    def t(*shape, scale=0.1):
        return torch.randn(*shape, generator=g) * scale

    sd = {'imn_m': torch.empty(1, 3, 1, 1), 'imn_s': torch.empty(1, 3, 1, 1),
          'norm_black': torch.zeros(1, 3, 224, 224)}
    enc = 'sparse_encoder.sp_cnn.'
    sd[enc + 'downsample_layers.0.0.weight'] = t(DIMS[0], 3, 4, 4)
    sd[enc + 'downsample_layers.0.0.bias'] = t(DIMS[0])
    sd[enc + 'downsample_layers.0.1.weight'] = 1 + t(DIMS[0])
    sd[enc + 'downsample_layers.0.1.bias'] = t(DIMS[0])
    for i in range(1, 4):
        p = f'{enc}downsample_layers.{i}.'
        sd[p + '0.weight'], sd[p + '0.bias'] = 1 + t(DIMS[i - 1]), \
            t(DIMS[i - 1])
        sd[p + '1.weight'] = t(DIMS[i], DIMS[i - 1], 2, 2)
        sd[p + '1.bias'] = t(DIMS[i])
    for i, (depth, dim) in enumerate(zip(DEPTHS, DIMS)):
        for j in range(depth):
            p = f'{enc}stages.{i}.{j}.'
            sd.update({p + 'dwconv.weight': t(dim, 1, 7, 7),
                       p + 'dwconv.bias': t(dim),
                       p + 'norm.weight': 1 + t(dim), p + 'norm.bias': t(dim),
                       p + 'pwconv1.weight': t(4 * dim, dim),
                       p + 'pwconv1.bias': t(4 * dim),
                       p + 'pwconv2.weight': t(dim, 4 * dim),
                       p + 'pwconv2.bias': t(dim), p + 'gamma': 0.5 + t(dim)})
    chans = [WIDTH // 2**i for i in range(6)]
    for i in range(5):
        c, o = chans[i], chans[i + 1]
        p = f'dense_decoder.dec.{i}.'
        sd.update({p + 'up_sample.weight': t(c, c, 4, 4),
                   p + 'up_sample.bias': t(c),
                   p + 'conv.0.weight': t(c, c, 3, 3),
                   p + 'conv.3.weight': t(o, c, 3, 3)})
        for k, n in (('1', c), ('4', o)):
            sd.update({f'{p}conv.{k}.weight': 1 + t(n),
                       f'{p}conv.{k}.bias': t(n),
                       f'{p}conv.{k}.running_mean': torch.zeros(n),
                       f'{p}conv.{k}.running_var': torch.ones(n),
                       f'{p}conv.{k}.num_batches_tracked': torch.tensor(0)})
    sd['dense_decoder.proj.weight'] = t(3, chans[-1], 1, 1)
    sd['dense_decoder.proj.bias'] = t(3)
    for i, dim in enumerate(reversed(DIMS)):
        width = WIDTH // 2**i
        k = 1 if i == 0 else 3
        sd.update({f'densify_norms.{i}.weight': 1 + t(dim),
                   f'densify_norms.{i}.bias': t(dim),
                   f'densify_projs.{i}.weight': t(width, dim, k, k),
                   f'densify_projs.{i}.bias': t(width),
                   f'mask_tokens.{i}': t(1, dim, 1, 1, scale=0.02)})
    return sd


def _sparse_ln(x, active, w, b):
    """SMLFR's sparse channels-first LayerNorm: normalise the active
    positions only, zeros elsewhere (encoder.py:87-146)."""
    bhwc = x.permute(0, 2, 3, 1)
    ii = active[:, 0].nonzero(as_tuple=True)
    out = torch.zeros_like(bhwc)
    out[ii] = F.layer_norm(bhwc[ii], (x.shape[1], ), w, b, 1e-6)
    return out.permute(0, 3, 1, 2)


def _official_loss(sd, x, active):
    """SMLFR's PCFM forward written out with its sparse operators (index
    selection, masked convolutions), on its own key names."""
    def up(a, like):  # active (B, 1, f, f) at the resolution of `like`
        r = like.shape[-1] // a.shape[-1]
        return a.repeat_interleave(r, 2).repeat_interleave(r, 3)

    enc = 'sparse_encoder.sp_cnn.'
    # low-pass target (low_freq.py), r = 40 * 64 / 224 for a 64 input
    m = torch.tensor([.485, .456, .406]).view(1, 3, 1, 1)
    s = torch.tensor([.229, .224, .225]).view(1, 3, 1, 1)
    H = x.shape[-1]
    r = 40 * H / 224
    lp = torch.ones(3, H, H)
    for i in range(H):
        for j in range(H):
            if (i - (H - 1) / 2)**2 + (j - (H - 1) / 2)**2 > r**2:
                lp[:, i, j] = 0
    f = torch.fft.fftshift(torch.fft.fft2(x * s + m), dim=(-2, -1))
    target = (torch.fft.ifft2(f * lp).abs() - m) / s
    # sparse encoder
    a = active.float()
    h = x * up(a, x)
    feats = []
    for i in range(4):
        p = f'{enc}downsample_layers.{i}.'
        if i == 0:
            h = F.conv2d(h, sd[p + '0.weight'], sd[p + '0.bias'], stride=4)
            h = h * up(a, h)
            h = _sparse_ln(h, up(active, h), sd[p + '1.weight'],
                           sd[p + '1.bias'])
        else:
            h = _sparse_ln(h, up(active, h), sd[p + '0.weight'],
                           sd[p + '0.bias'])
            h = F.conv2d(h, sd[p + '1.weight'], sd[p + '1.bias'], stride=2)
            h = h * up(a, h)
        for j in range(DEPTHS[i]):
            p = f'{enc}stages.{i}.{j}.'
            y = F.conv2d(h, sd[p + 'dwconv.weight'], sd[p + 'dwconv.bias'],
                         padding=3, groups=h.shape[1]) * up(a, h)
            y = y.permute(0, 2, 3, 1)
            ii = up(active, h)[:, 0].nonzero(as_tuple=True)
            n = torch.zeros_like(y)
            n[ii] = F.layer_norm(y[ii], (y.shape[-1], ), sd[p + 'norm.weight'],
                                 sd[p + 'norm.bias'], 1e-6)
            y = F.linear(F.gelu(F.linear(n, sd[p + 'pwconv1.weight'],
                                         sd[p + 'pwconv1.bias'])),
                         sd[p + 'pwconv2.weight'], sd[p + 'pwconv2.bias'])
            y = (sd[p + 'gamma'] * y).permute(0, 3, 1, 2) * up(a, h)
            h = h + y
        feats.append(h)
    # densify
    to_dec, cur = [], active
    for i, feat in enumerate(reversed(feats)):
        feat = _sparse_ln(feat, up(cur, feat), sd[f'densify_norms.{i}.weight'],
                          sd[f'densify_norms.{i}.bias'])
        feat = torch.where(up(cur, feat).expand_as(feat), feat,
                           sd[f'mask_tokens.{i}'].expand_as(feat))
        w = sd[f'densify_projs.{i}.weight']
        to_dec.append(F.conv2d(feat, w, sd[f'densify_projs.{i}.bias'],
                               padding=w.shape[-1] // 2))
    # light decoder, BN with batch statistics (train mode)
    y = 0
    for i in range(5):
        p = f'dense_decoder.dec.{i}.'
        y = y + to_dec[i] if i < 4 else y
        y = F.conv_transpose2d(y, sd[p + 'up_sample.weight'],
                               sd[p + 'up_sample.bias'], 2, 1)
        for conv, bn in (('0', '1'), ('3', '4')):
            y = F.conv2d(y, sd[f'{p}conv.{conv}.weight'], padding=1)
            y = F.batch_norm(y, None, None, sd[f'{p}conv.{bn}.weight'],
                             sd[f'{p}conv.{bn}.bias'], training=True)
            if conv == '0':
                y = F.relu6(y)
    rec = F.conv2d(y, sd['dense_decoder.proj.weight'],
                   sd['dense_decoder.proj.bias'])

    def patchify(z):
        B, C = z.shape[:2]
        z = z.reshape(B, C, 2, 32, 2, 32)
        return torch.einsum('bchpwq->bhwpqc', z).reshape(B, 4, -1)

    t = patchify(target)
    t = (t - t.mean(-1, keepdim=True)) / (t.var(-1, keepdim=True) + 1e-6)**.5
    l2 = ((patchify(rec) - t)**2).mean(2)
    non_active = (~active).int().view(x.shape[0], -1)
    return (l2 * non_active).sum() / (non_active.sum() + 1e-8)


def test_whole_model_checkpoint_loads_and_gives_the_official_loss(tmp_path):
    sd = _official_state_dict()
    official = dict(sd)
    official['config'] = {'mask_ratio': 0.6, 'densify_norm_str': 'ln'}
    torch.save({'module': official, 'epoch': 3, 'arch': 'tiny',
                'is_pretrain': True}, tmp_path / 'pcfm_style.pth')
    model = _slffm(init_cfg=dict(type='Pretrained',
                                 checkpoint=str(tmp_path / 'pcfm_style.pth')))
    model.init_weights()
    report = model.pretrained_report
    # every official tensor lands; only the dead buffers are dropped
    assert report.missing == [] and report.unexpected == []
    assert report.match_ratio == 1.0
    assert len(report.matched) == len(sd) - 3
    model.train()
    x = torch.randn(2, 3, 64, 64)
    active = torch.tensor([[[1, 0], [0, 1]], [[0, 0], [1, 0]]]).bool()[:, None]
    ours = model.loss(x, None, mask=~active[:, 0])
    assert set(ours) == {'loss'}
    torch.testing.assert_close(ours['loss'], _official_loss(sd, x, active),
                               rtol=1e-5, atol=1e-6)


def test_low_pass_target_equals_an_independent_fft():
    gen = LowFreqTarget(MEAN, STD, img_size=96)
    x = torch.randn(2, 3, 96, 96)
    img = x.numpy() * np.array(STD)[:, None, None] + \
        np.array(MEAN)[:, None, None]
    r = 40 * 96 / 224
    yy, xx = np.mgrid[:96, :96]
    keep = (yy - 47.5)**2 + (xx - 47.5)**2 <= r**2
    spec = np.fft.fftshift(np.fft.fft2(img), axes=(-2, -1)) * keep
    want = (np.abs(np.fft.ifft2(spec)) - np.array(MEAN)[:, None, None]) / \
        np.array(STD)[:, None, None]
    torch.testing.assert_close(gen(x), torch.from_numpy(want).float(),
                               rtol=1e-4, atol=1e-4)
    # any band count; another size builds its own filter
    gen4 = LowFreqTarget([0.] * 4, [1.] * 4, img_size=32)
    assert gen4(torch.randn(1, 4, 64, 64)).shape == (1, 4, 64, 64)
    with pytest.raises(ValueError, match='mean/std for 4 bands'):
        gen4(torch.randn(1, 3, 32, 32))


def test_sparse_encoder_zero_where_masked_and_dense_where_not():
    torch.manual_seed(0)
    sparse = SparseConvNeXt(dict(depths=DEPTHS, dims=DIMS)).eval()
    dense = ConvNeXt(dict(depths=DEPTHS, dims=DIMS), out_norms=False).eval()
    dense.load_state_dict(sparse.state_dict())
    x = torch.randn(2, 3, 64, 64)
    mask = torch.tensor([[[1, 0], [0, 0]], [[0, 1], [1, 0]]]).bool()
    for feat in sparse(x, mask):
        hidden = SparseConvNeXt.visible(mask, feat) == 0
        assert feat.masked_select(hidden).abs().max() == 0
    nothing = torch.zeros(2, 2, 2, dtype=torch.bool)
    for a, b in zip(sparse(x, nothing), dense(x)):
        torch.testing.assert_close(a, b)


def test_mask_counting_rule_and_loss_decreases():
    model = _slffm()
    model.init_weights()
    # SMLFR: keep round(cells * 0.4): 20 of 49 at 224, 2 of 4 at 64 (round
    # half to even of 1.6 -> 2)
    mask = model.random_mask(3, 7, 7, torch.device('cpu'))
    assert mask.shape == (3, 7, 7) and (mask.flatten(1).sum(1) == 29).all()
    assert (model.random_mask(2, 2, 2, 'cpu').flatten(1).sum(1) == 2).all()
    optim = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(4, 3, 64, 64)
    mask = model.random_mask(4, 2, 2, 'cpu')
    losses = []
    for _ in range(5):
        loss = model.loss(x, None, mask=mask)['loss']
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]
    with pytest.raises(ValueError, match='multiple of the 32-px'):
        model.loss(torch.randn(1, 3, 48, 48), None)
    with pytest.raises(ValueError, match='mask must be'):
        model.loss(x, None, mask=torch.zeros(4, 3, 3, dtype=torch.bool))


def test_target_generator_slot():
    model = _slffm()
    x = torch.randn(1, 3, 64, 64)
    assert model.target_generator(x).shape == (1, 3, 64, 64)


def test_encoder_only_file_keeps_the_paper_init_elsewhere(tmp_path):
    """SMLFR's encoder-only file: the encoder loads, the mask tokens and
    the decoder start as SMLFR initialises them (not at zero)."""
    encoder = ConvNeXt(dict(depths=DEPTHS, dims=DIMS), out_norms=False)
    torch.save({'arch': 'tiny', 'module': encoder.state_dict()},
               tmp_path / 'timm_style.pth')
    # the tiny encoder is a quarter of this model (ConvNeXt-B: 77%)
    model = _slffm(init_cfg=dict(
        type='Pretrained', checkpoint=str(tmp_path / 'timm_style.pth'),
        min_match=0.2))
    model.init_weights()
    report = model.pretrained_report
    assert 'encoder only' in report.fmt and report.unexpected == []
    for token in model.mask_tokens:
        assert 0 < token.abs().max() <= 0.02
    torch.testing.assert_close(model.backbone.stages[0][0].dwconv.weight,
                               encoder.stages[0][0].dwconv.weight)
