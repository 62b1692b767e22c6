"""GFM against the official semantics (models/teacher.py: SimMIM.forward,
SwinTransformerForSimMIM, SwinTeacher; data/data_simmim.py MaskGenerator)
on the official checkpoint layout, at GFM's 192 px (window 6) student and
224 px (window 7) teacher with tiny widths."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmengine.structures import BaseDataElement

from rsfm.models.backbones import SwinTransformer
from rsfm.models.pretrain import GFM

ARCH = dict(embed_dims=16, depths=[2, 2, 2, 2], num_heads=[1, 2, 2, 4])


def _teacher_cfg(**kwargs):
    return dict(type='rsfm.SwinTransformer', arch=ARCH, window_size=7,
                out_indices=(3, ), drop_path_rate=0.,
                shift_single_window=False, **kwargs)


def _gfm(**kwargs):
    init_default_scope('mmpretrain')
    teacher = kwargs.pop('teacher', _teacher_cfg())
    return GFM(backbone=dict(type='rsfm.MaskedSwin', arch=ARCH,
                             window_size=6),
               neck=dict(type='rsfm.GFMDecoder', in_channels=128),
               teacher=teacher, **kwargs)


def _official_file(model, path):
    """``model``'s weights written in GFM's layout: ``encoder.*`` with a
    final ``norm`` and the index / shift-mask buffers, ``teacher.*``,
    ``decoder.0``, ``projector``, and a pickled-config stand-in."""
    sd = {}
    for prefix, module in (('encoder.', model.backbone),
                           ('teacher.', model.teacher)):
        for key, value in module.state_dict().items():
            key = key.replace('norm3.', 'norm.')
            sd[prefix + key] = value.clone()
        sd[prefix + 'layers.0.blocks.0.attn.relative_position_index'] = \
            torch.zeros(36, 36, dtype=torch.long)
        sd[prefix + 'layers.0.blocks.1.attn_mask'] = torch.zeros(16, 36, 36)
    sd['decoder.0.weight'] = model.neck.decoder[0].weight.clone()
    sd['decoder.0.bias'] = model.neck.decoder[0].bias.clone()
    sd['projector.weight'] = model.projector.weight.clone()
    sd['projector.bias'] = model.projector.bias.clone()
    torch.save({'model': sd, 'epoch': 99, 'max_accuracy': 0.}, path)
    return sd


def _reference_loss(model, x, mask):
    """GFM's SimMIM.forward written out (teacher.py:112-134)."""
    s, t = model.backbone, model.teacher
    tokens = s.patch_embed(x)[0]  # (B, L, C)
    w = mask.flatten(1).unsqueeze(-1).float()
    tokens = tokens * (1 - w) + s.mask_token * w
    h = tokens.view(x.shape[0], 48, 48, -1)
    for i in range(3):
        h = s.layers[i](h)
        h = s.layers[i].downsample(h)  # Microsoft: merging ends a stage
    zs = h.flatten(1, 2).mean(1)
    r = s.norm3(s.layers[3](h)).permute(0, 3, 1, 2)
    x224 = F.interpolate(x, (224, 224), mode='bilinear', align_corners=True)
    g = t.patch_embed(x224)[0].view(x.shape[0], 56, 56, -1)
    for i in range(3):
        g = t.layers[i].downsample(t.layers[i](g))
    zt = g.flatten(1, 2).mean(1)
    rec = F.pixel_shuffle(model.neck.decoder[0](r), 32)
    m = mask.repeat_interleave(4, 1).repeat_interleave(4, 2).unsqueeze(1)
    loss = (F.l1_loss(x, rec, reduction='none') * m).sum() / \
        (m.sum() + 1e-5) / 3
    return loss - F.cosine_similarity(model.projector(zs), zt).mean()


def _mask(seed=0, batch=2):
    cells = np.zeros(36, int)
    cells[np.random.RandomState(seed).permutation(36)[:22]] = 1
    m = torch.from_numpy(cells.reshape(6, 6).repeat(8, 0).repeat(8, 1))
    return m.bool().unsqueeze(0).repeat(batch, 1, 1)


def test_training_file_loads_and_gives_the_official_loss(tmp_path):
    torch.manual_seed(0)
    source = _gfm()
    source.init_weights()
    with torch.no_grad():
        for p in source.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    sd = _official_file(source, tmp_path / 'ckpt_epoch_99.pth')
    model = _gfm(init_cfg=dict(type='Pretrained',
                               checkpoint=str(tmp_path / 'ckpt_epoch_99.pth')))
    model.init_weights()
    report = model.pretrained_report
    # every parameter lands: student (with mask token and final norm),
    # decoder, projector, teacher; only the recomputed buffers are dropped
    assert report.missing == [] and report.unexpected == []
    buffers = [k for k in sd if k.endswith(('relative_position_index',
                                            'attn_mask'))]
    assert len(report.matched) == len(sd) - len(buffers)
    x = torch.randn(2, 3, 192, 192)
    mask = _mask()
    model.train()
    ours = model.loss(x, None, mask=mask)
    assert set(ours) == {'loss_rec', 'loss_distill'}
    with torch.no_grad():
        want = _reference_loss(model, x, mask)
    torch.testing.assert_close(ours['loss_rec'] + ours['loss_distill'],
                               want, rtol=1e-5, atol=1e-6)


def test_teacher_frozen_whatever_its_file_is_called(tmp_path):
    """The Microsoft ImageNet-22k file (``{'model': ...}`` with a head)
    loads into the teacher through its own init_cfg; it gets no gradient,
    stays in eval mode and does not change over training steps."""
    teacher = SwinTransformer(ARCH, window_size=7, out_indices=(3, ),
                              shift_single_window=False)
    weights = {k.replace('norm3.', 'norm.'): v
               for k, v in teacher.state_dict().items()}
    weights.update({'head.weight': torch.zeros(21841, 128),
                    'head.bias': torch.zeros(21841)})
    torch.save({'model': weights}, tmp_path / 'any_name.pth')
    model = _gfm(teacher=_teacher_cfg(init_cfg=dict(
        type='Pretrained', checkpoint=str(tmp_path / 'any_name.pth'))))
    model.init_weights()
    assert 'head.weight' in model.teacher.pretrained_report.unexpected
    before = {k: v.clone() for k, v in model.teacher.state_dict().items()}
    optim = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-3)
    model.train()
    assert not model.teacher.training
    x = torch.randn(2, 3, 192, 192)
    losses = []
    for i in range(4):
        out = model.loss(x, None, mask=_mask(i))
        loss = out['loss_rec'] + out['loss_distill']
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
        assert all(p.grad is None for p in model.teacher.parameters())
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]


def test_mask_rule_and_data_sample_masks():
    model = _gfm()
    model.init_weights()
    np.random.seed(0)
    mask = model.random_mask(3, 192, 192)
    # ceil(36 * 0.6) = 22 cells of 8 x 8 patches
    assert mask.shape == (3, 48, 48)
    assert (mask.flatten(1).sum(1) == 22 * 64).all()
    x = torch.randn(2, 3, 192, 192)
    samples = []
    for m in _mask(3):
        sample = BaseDataElement()
        sample.mask = m
        samples.append(sample)
    torch.testing.assert_close(model.loss(x, samples)['loss_rec'],
                               model.loss(x, None, mask=_mask(3))['loss_rec'])
    with pytest.raises(ValueError, match='GFM mask must be'):
        model.loss(x, None, mask=torch.zeros(2, 6, 6, dtype=torch.bool))


def test_continues_from_a_swin_encoder(tmp_path):
    """A student-only Microsoft file of another window (7) loads although
    it fills less than half of the model (the frozen teacher is the other
    half): tables resized to window 6, the mask token initialised, not
    zero; the teacher comes from its own file."""
    encoder = SwinTransformer(ARCH, window_size=7, out_indices=(3, ))
    encoder.init_weights()
    weights = {k.replace('norm3.', 'norm.'): v
               for k, v in encoder.state_dict().items()}
    torch.save({'model': weights}, tmp_path / 'swin_w7.pth')
    teacher = SwinTransformer(ARCH, window_size=7, out_indices=(3, ),
                              shift_single_window=False)
    teacher.init_weights()
    torch.save({'model': {k.replace('norm3.', 'norm.'): v for k, v in
                          teacher.state_dict().items()}},
               tmp_path / 'teacher.pth')
    model = _gfm(
        teacher=_teacher_cfg(init_cfg=dict(
            type='Pretrained', checkpoint=str(tmp_path / 'teacher.pth'))),
        init_cfg=dict(type='Pretrained',
                      checkpoint=str(tmp_path / 'swin_w7.pth')))
    model.init_weights()
    report = model.pretrained_report
    assert report.mismatched == [] and report.unexpected == []
    assert any(k.endswith('relative_position_bias_table')
               for k, _, _ in report.resized)
    assert model.backbone.mask_token.abs().max() > 0
    torch.testing.assert_close(model.teacher.layers[0].blocks[0].attn.qkv
                               .weight, teacher.layers[0].blocks[0].attn
                               .qkv.weight)
    assert all(not p.requires_grad for p in model.teacher.parameters())
