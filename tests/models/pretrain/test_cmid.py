"""CMID against the official semantics (Pretrain/models/pretrain_model.py
MoCoBasedDDP.forward, contrastive_utils.py position_match / LocalHead,
loss_utils.py LocalLoss / FocalFrequencyLoss, mim_utils.py MIMLossHead,
backbone_wrapper.py, EMA_hook.py) on tiny ResNet and Swin students, and
CMID's whole-model checkpoint layout."""
import math
import sys
import types

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope
from mmengine.structures import BaseDataElement
from mmpretrain.models.backbones import \
    SwinTransformer as MMPretrainSwinTransformer

from rsfm.engine.hooks import TeacherTempHook
from rsfm.models.pretrain import CMID
from rsfm.models.pretrain.cmid import (focal_frequency_loss,
                                       position_match, random_cell_mask)

SWIN = dict(embed_dims=16, depths=[1, 1, 1, 1], num_heads=[1, 2, 2, 4])


@pytest.fixture(autouse=True)
def fresh_message_hub(request):
    """A message hub of this test's own: the EMA momentum reads the
    training iteration from the current one, which an earlier test's run
    may have left behind."""
    return MessageHub.get_instance(f'test_cmid-{request.node.name}-'
                                   f'{id(request)}')


BACKBONES = dict(
    resnet=dict(type='rsfm.MaskedResNet', arch='tiny'),
    swin=dict(type='rsfm.MaskedSwin', arch=SWIN, window_size=2,
              mask_mode='add'))


def _cmid(backbone='resnet', **kwargs):
    init_default_scope('mmpretrain')
    return CMID(backbone=dict(BACKBONES[backbone]),
                neck=dict(type='rsfm.GFMDecoder', in_channels=128),
                projector=dict(hidden_channels=32, out_channels=8),
                local_head=dict(out_channels=16, hidden_channels=32,
                                bottleneck_channels=8,
                                norm=backbone == 'resnet'),
                queue_len=16, num_matches=3, **kwargs)


def _randomised(model, seed=0):
    """Every parameter and buffer moved off its initial value (the teacher
    differs from the student, the centre and BN statistics are not 0/1)."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.is_floating_point() and 'weight_g' not in name:
                t.add_(torch.randn_like(t) * 0.05)
                if 'running_var' in name:
                    t.abs_()
    return model


def _grid(top, left, h, w, flip, n=2):
    rows = top + (torch.arange(n) + 0.5) * h / n
    cols = left + (torch.arange(n) + 0.5) * w / n
    grid = torch.stack(torch.meshgrid(rows, cols, indexing='ij'), -1)
    return grid.flip(1) if flip else grid


def _batch(seed=1, batch=2, size=64):
    """Two normalised views, their masks ``(B, 2, H/4, W/4)`` and data
    samples with the cell-centre grids of two different crops."""
    g = torch.Generator().manual_seed(seed)
    img, view = (torch.randn(batch, 3, size, size, generator=g)
                 for _ in range(2))
    masks = random_cell_mask(batch * 2, size, size, 0.6, 32, 4).view(
        batch, 2, size // 4, size // 4)
    samples = []
    for b in range(batch):
        sample = BaseDataElement()
        sample.locations = torch.stack([
            _grid(3. + b, 10., 40., 50., False),
            _grid(20., 0., 44., 30. + b, b == 0)])
        samples.append(sample)
    return [img, view], masks, samples


# the official computation, written out ------------------------------------
def _official_mim_loss(x, rec, mask):
    """MIMLossHead.forward with CMID's yaml (focal L1, alpha 0.2; focal
    frequency with ave_spectrum / log_matrix / batch_matrix; 'mixed'
    replacement with weight 0.001)."""
    m = mask.repeat_interleave(4, 1).repeat_interleave(4, 2).unsqueeze(1)
    m = m.float()
    err = F.l1_loss(rec, x, reduction='none')
    loss = err * (2. * torch.sigmoid(0.2 * err) - 1.)
    loss = (loss * m).sum() / (m.sum() + 1e-5) / 3
    mf = m + (1. - m) * 0.001
    rec_f = rec * mf + (0.5 * rec.detach() + 0.5 * x) * (1. - mf)
    fp = torch.fft.fft2(rec_f, dim=(2, 3), norm='ortho')
    ft = torch.fft.fft2(x, dim=(2, 3), norm='ortho')
    fp = torch.stack([fp.real, fp.imag], -1).mean(0, keepdim=True)
    ft = torch.stack([ft.real, ft.imag], -1).mean(0, keepdim=True)
    tmp = (fp - ft)**2
    w = torch.sqrt(tmp[..., 0] + tmp[..., 1])
    w = torch.log(w + 1.0)
    w = w / w.max()
    w[torch.isnan(w)] = 0.
    w = torch.clamp(w, 0., 1.).detach()
    return loss + (w * (tmp[..., 0] + tmp[..., 1])).mean()


def _official_match(loc_a, loc_b, a, b, k):
    """position_match by brute force: nearest neighbour per position, the
    k positions with the smallest distance, in index order."""
    out_a, out_b = [], []
    for i in range(a.shape[0]):
        d = torch.cdist(loc_a[i], loc_b[i])  # (N, N)
        near, idx = d.min(dim=1)
        keep = sorted(sorted(range(len(near)), key=lambda j: near[j])[:k])
        out_a.append(a[i, keep])
        out_b.append(b[i, idx[keep]])
    return torch.stack(out_a), torch.stack(out_b)


def _official_losses(model, img, view, masks, locations):
    """MoCoBasedDDP.forward (and mim_forward) on the model's parts."""
    def fill(x, m):
        x = x.clone()
        up = m.repeat_interleave(4, 1).repeat_interleave(4, 2)
        for i in range(x.shape[0]):
            mean = x[i].mean(dim=[1, 2])
            for c in range(x.shape[1]):
                x[i, c][up[i]] = mean[c]
        return x
    s, t = model.backbone, model.teacher_backbone
    f_so = s(fill(img, masks[:, 0]), masks[:, 0])[-1]
    f_sv = s(fill(view, masks[:, 1]), masks[:, 1])[-1]
    rec = (_official_mim_loss(img, model.neck(f_so), masks[:, 0]) +
           _official_mim_loss(view, model.neck(f_sv), masks[:, 1])) / 2
    f_tv, f_to = t(view)[-1], t(img)[-1]

    def proj(p, f):
        return F.normalize(p(f.mean(dim=(2, 3))), dim=-1)

    def moco(q, k, queue):
        logits = torch.cat([(q * k).sum(1, keepdim=True), q @ queue], 1)
        return F.cross_entropy(logits / 0.2, torch.zeros(
            len(q), dtype=torch.long))

    queue = model.queue.clone()
    glob = (moco(proj(model.projector, f_so),
                 proj(model.teacher_projector, f_tv), queue) +
            moco(proj(model.projector, f_sv),
                 proj(model.teacher_projector, f_to), queue)) / 2
    tokens = [f.flatten(2).transpose(1, 2) for f in (f_so, f_sv, f_to, f_tv)]
    loc = locations.flatten(2, 3)
    a1, b1 = _official_match(loc[:, 0], loc[:, 1], tokens[0], tokens[3], 3)
    a2, b2 = _official_match(loc[:, 1], loc[:, 0], tokens[1], tokens[2], 3)
    s1, s2 = (model.local_head(x.transpose(1, 2)) for x in (a1, a2))
    t1, t2 = (model.teacher_local_head(x.transpose(1, 2)) for x in (b1, b2))
    center = model.center.clone()

    def local(s, t):
        nonlocal center
        p = F.softmax((t - center) / model.teacher_temp, dim=1)
        loss = torch.sum(-p * F.log_softmax(s / 0.1, dim=1), dim=1).mean()
        center = center * 0.9 + t.sum(dim=(0, 2), keepdim=True) / (
            t.shape[0] * t.shape[2]) * 0.1
        return loss

    pixel = (local(s1, t1) + local(s2, t2)) / 2
    return dict(loss_rec=rec, loss_global=glob, loss_pixel=pixel), center


@pytest.mark.parametrize('backbone', ['resnet', 'swin'])
def test_losses_teacher_update_queue_and_centre_are_the_official(backbone):
    model = _randomised(_cmid(backbone))
    model.init_weights()
    _randomised(model)
    model.train()
    model.teacher_temp = 0.05
    (img, view), masks, samples = _batch()
    locations = torch.stack([s.locations for s in samples])
    snapshot = _cmid(backbone).train()
    snapshot.load_state_dict(model.state_dict())
    snapshot.teacher_temp = 0.05
    with torch.no_grad():
        want, center = _official_losses(snapshot, img, view, masks,
                                        locations)
    queue_before = model.queue.clone()
    student = {k: v.detach().clone()
               for k, v in model.backbone.named_parameters()}
    teacher = {k: v.detach().clone()
               for k, v in model.teacher_backbone.named_parameters()}
    ours = model.loss([img, view], samples, mask=masks)
    assert set(ours) == {'loss_rec', 'loss_global', 'loss_pixel'}
    for key in want:
        torch.testing.assert_close(ours[key], want[key], rtol=1e-5,
                                   atol=1e-6)
    # the centre moved once per LocalLoss call
    torch.testing.assert_close(model.center, center)
    # the teacher's BN statistics come from its own forwards only
    if backbone == 'resnet':
        torch.testing.assert_close(
            model.teacher_backbone.bn1.running_mean,
            snapshot.teacher_backbone.bn1.running_mean)
    # keys enqueued: teacher view keys, then teacher img keys (B each)
    assert int(model.queue_ptr) == 4
    torch.testing.assert_close(model.queue[:, 4:], queue_before[:, 4:])
    with torch.no_grad():
        f_tv = snapshot.teacher_backbone(view)[-1]
        k_v = F.normalize(snapshot.teacher_projector(
            f_tv.mean(dim=(2, 3))), dim=1)
    torch.testing.assert_close(model.queue[:, :2], k_v.t(), rtol=1e-5,
                               atol=1e-6)
    # EMA at the end of loss, tau 0.996 at iteration 0, parameters only
    for name, value in model.teacher_backbone.named_parameters():
        torch.testing.assert_close(
            value, 0.996 * teacher[name] + 0.004 * student[name])
        assert not value.requires_grad
    sum(ours.values()).backward()
    assert all(p.grad is None for p in model.teacher_backbone.parameters())
    assert model.backbone.mask_token.grad is not None
    assert model.local_head.last_layer.weight_g.grad is None  # frozen


def test_masked_views_are_mean_filled_and_masks_drawn_by_the_rule():
    model = _cmid().train()
    model.init_weights()
    (img, view), masks, samples = _batch()
    seen = []
    model.backbone.register_forward_pre_hook(
        lambda m, args: seen.append((args[0].detach(), args[1])))
    model.loss([img, view], samples, mask=masks.int())
    for x, (filled, mask), m in zip((img, view), seen, masks.unbind(1)):
        assert torch.equal(mask.bool(), m)
        up = m.repeat_interleave(4, 1).repeat_interleave(4, 2)[:, None]
        up = up.expand_as(x)
        mean = x.mean(dim=(2, 3), keepdim=True).expand_as(x)
        assert torch.equal(filled[up], mean[up])
        assert torch.equal(filled[~up], x[~up])
    # masks from the data samples, else drawn: ceil(0.6 * 4) = 3 of the 4
    # 32-px cells of each 64-px view
    for s, m in zip(samples, masks):
        s.mask = m.numpy()
    seen.clear()
    model.loss([img, view], samples)
    assert torch.equal(seen[0][1], masks[:, 0])
    for s in samples:
        del s.mask
    seen.clear()
    model.loss([img, view], samples)
    for _, mask in seen:
        cells = mask[:, ::8, ::8]
        assert cells.flatten(1).sum(1).tolist() == [3, 3]
    with pytest.raises(ValueError, match=r'mask must be \(B, 2, H/4'):
        model.loss([img, view], samples, mask=masks[:, 0])
    for s in samples:
        del s.locations
    with pytest.raises(ValueError, match='locations'):
        model.loss([img, view], samples, mask=masks)


def test_focal_frequency_loss_by_hand():
    pred = torch.tensor([[[[1., 2.], [3., 4.]]]])
    target = torch.tensor([[[[0., 2.], [1., 1.]]]])
    dp = np.fft.fft2(pred[0, 0].numpy(), norm='ortho')
    dt = np.fft.fft2(target[0, 0].numpy(), norm='ortho')
    d = np.abs(dp - dt)**2
    w = np.log(np.sqrt(d) + 1)
    w = w / w.max()
    want = (w * d).mean()
    assert focal_frequency_loss(pred, target).item() == pytest.approx(want)
    # a perfect prediction: weight 0/0 -> 0, loss 0 (no NaN)
    assert focal_frequency_loss(target, target).item() == 0.


def test_position_match_keeps_the_closest_in_index_order():
    loc_a = torch.tensor([[[0., 0.], [0., 10.], [10., 0.], [10., 10.]]])
    loc_b = torch.tensor([[[1., 9.], [30., 30.], [9.5, 0.2], [2., 3.]]])
    a = torch.arange(4.).view(1, 4, 1)
    b = torch.arange(10., 14.).view(1, 4, 1)
    # nearest in b: 0 -> 3 (d 3.6), 1 -> 0 (d 1.4), 2 -> 2 (d 0.54),
    # 3 -> 0 (d 9.1); the two closest: positions 1 and 2, in index order
    got_a, got_b = position_match(loc_a, loc_b, a, b, 2)
    assert got_a.flatten().tolist() == [1., 2.]
    assert got_b.flatten().tolist() == [10., 12.]


def test_local_loss_centre_moves_within_the_iteration():
    model = _cmid()
    model.teacher_temp = 0.04
    g = torch.Generator().manual_seed(0)
    s1, t1, s2, t2 = (torch.randn(2, 16, 3, generator=g) for _ in range(4))
    center = np.zeros((1, 16, 1))

    def by_hand(s, t):
        nonlocal center
        s, t = s.double().numpy(), t.double().numpy()
        p = np.exp((t - center) / 0.04)
        p /= p.sum(1, keepdims=True)
        q = s / 0.1
        logq = q - np.log(np.exp(q).sum(1, keepdims=True))
        loss = (-p * logq).sum(1).mean()
        center = center * 0.9 + t.sum((0, 2), keepdims=True) / 6 * 0.1
        return loss

    for s, t in ((s1, t1), (s2, t2)):
        assert model.local_loss(s, t).item() == pytest.approx(by_hand(s, t),
                                                              rel=1e-5)
        np.testing.assert_allclose(model.center.numpy(), center, rtol=1e-5,
                                   atol=1e-7)


def test_momentum_follows_the_cosine_of_the_run(fresh_message_hub):
    model = _cmid().train()
    model.init_weights()
    _randomised(model)
    (img, view), masks, samples = _batch()
    fresh_message_hub.update_info('iter', 25)
    fresh_message_hub.update_info('max_iters', 100)
    teacher = {k: v.detach().clone()
               for k, v in model.teacher_projector.named_parameters()}
    student = {k: v.detach().clone()
               for k, v in model.projector.named_parameters()}
    model.loss([img, view], samples, mask=masks)
    tau = 1 - 0.004 * (math.cos(math.pi * 25 / 100) + 1) / 2
    for name, value in model.teacher_projector.named_parameters():
        torch.testing.assert_close(
            value, tau * teacher[name] + (1 - tau) * student[name])


def test_teacher_temperature_schedule():
    # CMID's LocalLoss schedule: linspace(0.04, 0.07, 50), then 0.07, read
    # at epoch - model_warmup_epoch (-1 for its ResNet-50 yaml, 0 for Swin)
    r50 = TeacherTempHook(epoch_offset=1)
    swin = TeacherTempHook(epoch_offset=0)
    assert r50.value(0) == pytest.approx(0.0406122, abs=1e-7)
    assert swin.value(0) == 0.04 and swin.value(49) == pytest.approx(0.07)
    assert swin.value(120) == 0.07 and r50.value(48) == pytest.approx(0.07)
    model = _cmid()
    runner = types.SimpleNamespace(model=model, epoch=3)
    swin.before_train_epoch(runner)
    assert model.teacher_temp == pytest.approx(0.04 + 3 * 0.03 / 49)


# CMID's checkpoint layout ------------------------------------------------
_MMCLS = ((r'patch_embed.proj.', 'patch_embed.projection.'),
          (r'layers.', 'stages.'), (r'.attn.qkv.', '.attn.w_msa.qkv.'),
          (r'.attn.proj.', '.attn.w_msa.proj.'),
          (r'.attn.relative_position_bias_table',
           '.attn.w_msa.relative_position_bias_table'),
          (r'.mlp.fc1.', '.ffn.layers.0.0.'), (r'.mlp.fc2.', '.ffn.layers.1.'))


def _official_encoder(module, swin):
    """An rsfm backbone's state as CMID writes it: timm ResNet keys as
    they are; Swin keys in mmcls names (PatchMerging channels in nn.Unfold
    order) with the relative_position_index buffers."""
    out = {}
    for key, value in module.state_dict().items():
        if key == 'mask_token':
            continue
        if swin:
            for old, new in _MMCLS:
                key = key.replace(old, new)
            if '.downsample.' in key:
                value = (value.reshape(4, -1)[[0, 2, 1, 3]].t().reshape(-1)
                         if value.dim() == 1 else
                         value.reshape(value.shape[0], 4, -1)[:, [0, 2, 1, 3]]
                         .transpose(1, 2).reshape(value.shape[0], -1))
        out[key] = value.clone()
    if swin:
        out['stages.0.blocks.0.attn.w_msa.relative_position_index'] = \
            torch.zeros(4, 4, dtype=torch.long)
    return out


def _official_file(model, path, swin):
    """The whole-model file CMID's Trainer.save_checkpoint writes, with its
    pickled MetricStroge (a class of CMID's Exploring package) and hooks."""
    sd = {'queue': model.queue.clone(), 'queue_ptr': model.queue_ptr.clone(),
          'online_encoder.mask_token': model.backbone.mask_token.clone()}
    for prefix, module in (('online_encoder.model.', model.backbone),
                           ('branch_encoder.', model.teacher_backbone)):
        sd.update({prefix + k: v for k, v in
                   _official_encoder(module, swin).items()})
    sd.update({f'mim2org.decoder_pred.0.{k}': v.clone()
               for k, v in model.neck.decoder[0].state_dict().items()})
    for prefix, module in (('online_projector.layer.0.', model.projector),
                           ('branch_projector.layer.0.',
                            model.teacher_projector)):
        sd.update({prefix + k[len('mlp.'):]: v.clone()
                   for k, v in module.state_dict().items()})
    for prefix, module in (('class_projector.', model.local_head),
                           ('branch_class_projector.',
                            model.teacher_local_head)):
        sd.update({prefix + k: v.clone()
                   for k, v in module.state_dict().items()})
    sd['class_loss.center'] = model.center.clone()
    # CMID's Exploring.utils.metric.MetricStroge and HistoryBuffer, which
    # the loader must read without importing them
    metric = types.ModuleType('Exploring.utils.metric')

    class HistoryBuffer:
        def __init__(self):
            from collections import deque
            self._history = deque([0.5, 0.25], maxlen=20)
            self._count, self._sum = 2, 0.75

    class MetricStroge(dict):
        def __init__(self):
            super().__init__(loss=HistoryBuffer())
            self._smooth = {'loss': True}

    for cls in (HistoryBuffer, MetricStroge):
        cls.__module__ = 'Exploring.utils.metric'
        cls.__qualname__ = cls.__name__
        setattr(metric, cls.__name__, cls)
    fake = {'Exploring': types.ModuleType('Exploring'),
            'Exploring.utils': types.ModuleType('Exploring.utils'),
            'Exploring.utils.metric': metric}
    sys.modules.update(fake)
    try:
        torch.save({'epoch': 199, 'num_gpus': 4, 'model': sd,
                    'optimizer': {'state': {}, 'param_groups': []},
                    'metric_storage': MetricStroge(),
                    'hooks': {'CheckpointerHook': {'_period': 1},
                              'Fp16OptimizerHook': {'scale': 512.}}}, path)
    finally:
        for name in fake:
            del sys.modules[name]
    return sd


@pytest.mark.parametrize('backbone', ['resnet', 'swin'])
def test_official_whole_model_file_loads_every_tensor(backbone, tmp_path):
    source = _randomised(_cmid(backbone))
    source.init_weights()
    _randomised(source, seed=1)
    path = str(tmp_path / 'epoch_199.pth')
    sd = _official_file(source, path, backbone == 'swin')
    model = _cmid(backbone, init_cfg=dict(type='Pretrained', checkpoint=path))
    model.init_weights()
    report = model.pretrained_report
    assert report.missing == [] and report.unexpected == [] \
        and report.mismatched == []
    dropped = [k for k in sd if k.endswith('relative_position_index')]
    assert len(report.matched) == len(sd) - len(dropped)
    assert any('Exploring.utils.metric.MetricStroge' in note
               and 'no code run' in note for note in report.notes)
    assert 'Exploring' not in sys.modules  # nothing of CMID was imported
    for key, value in source.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value)
    if backbone == 'swin':  # the mmcls Swin CMID trains computes the same
        ref = MMPretrainSwinTransformer(
            arch=SWIN, img_size=64, window_size=2, out_indices=(3, ),
            drop_path_rate=0.)
        ref.eval()
        weights = {k: v for k, v in
                   _official_encoder(source.backbone, True).items()
                   if not k.endswith('relative_position_index')}
        missing, unexpected = ref.load_state_dict(weights, strict=False)
        assert unexpected == [] and all(
            k.endswith('relative_position_index') for k in missing)
        x = torch.randn(2, 3, 64, 64)
        with torch.no_grad():
            torch.testing.assert_close(model.backbone.eval()(x)[-1],
                                       ref(x)[-1], rtol=1e-4, atol=1e-5)


def test_continues_from_a_backbone_only_file(tmp_path):
    """CMID's "Backbone Only" file (extract.py): the ResNet keys alone."""
    source = _randomised(_cmid())
    path = str(tmp_path / 'CMID_ResNet50_bk_200ep.pth')
    torch.save(_official_encoder(source.backbone, False), path)
    model = _cmid(init_cfg=dict(type='Pretrained', checkpoint=path,
                                min_match=0.1))
    model.init_weights()
    assert model.pretrained_report.fmt.endswith('student encoder only')
    for key, value in source.backbone.state_dict().items():
        if key != 'mask_token':
            torch.testing.assert_close(model.backbone.state_dict()[key],
                                       value)
    assert model.pretrained_report.unexpected == []
