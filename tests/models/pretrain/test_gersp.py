"""GeRSP against the official semantics (mmselfsup/models/algorithms/
moco_gersp.py MoCoGeRSP.forward_train) on a tiny ResNet, and the
checkpoint layout mmselfsup writes for it."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

from rsfm.models.pretrain import GeRSP
from tests.models.pretrain.test_cmid import _randomised


def _gersp(**kwargs):
    init_default_scope('mmpretrain')
    return GeRSP(backbone=dict(type='rsfm.ResNet', arch='tiny',
                               out_indices=(3, ), zero_init_residual=True),
                 projector=dict(hidden_channels=32, out_channels=8),
                 num_classes=5, queue_len=8, **kwargs)


def _batch(seed=1, batch=2):
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randn(batch, 3, 64, 64, generator=g) for _ in range(3)]
    samples = [DataSample().set_gt_label(label) for label in (3, 1)]
    return inputs, samples


def _official(model, inputs, labels, update_key_neck):
    """forward_train written out: one student forward over cat[rs_q,
    natural], the key encoder updated (zip order, parameters only) before
    its forward, InfoNCE / 0.07 against the queue, CE of the classifier."""
    rs_q, rs_k, natural = inputs
    B = rs_q.shape[0]
    all_q = model.backbone(torch.cat([rs_q, natural]))[-1]
    all_q = F.adaptive_avg_pool2d(all_q, 1).flatten(1)
    q = F.normalize(model.neck(all_q[:B]), dim=1)
    pairs = [(model.backbone, model.key_backbone)]
    if update_key_neck:
        pairs.append((model.neck, model.key_neck))
    for student, teacher in pairs:
        for pq, pk in zip(student.parameters(), teacher.parameters()):
            pk.data = pk.data * 0.999 + pq.data * (1. - 0.999)
    k = model.key_backbone(rs_k)[-1]
    k = F.normalize(model.key_neck(F.adaptive_avg_pool2d(k, 1).flatten(1)),
                    dim=1)
    l_pos = torch.einsum('nc,nc->n', [q, k]).unsqueeze(-1)
    l_neg = torch.einsum('nc,ck->nk', [q, model.queue.clone()])
    logits = torch.cat([l_pos, l_neg], dim=1) / 0.07
    loss = F.cross_entropy(logits, torch.zeros(B, dtype=torch.long))
    sup = F.cross_entropy(model.classifier(all_q[B:]), labels)
    return dict(loss_contrastive=loss, loss_sup=sup), k


@pytest.mark.parametrize('update_key_neck', [True, False])
def test_losses_key_update_and_queue_are_the_official(update_key_neck):
    model = _randomised(_gersp(update_key_neck=update_key_neck)).train()
    reference = _gersp(update_key_neck=update_key_neck).train()
    reference.load_state_dict(model.state_dict())
    inputs, samples = _batch()
    labels = torch.tensor([3, 1])
    with torch.no_grad():
        want, keys = _official(reference, inputs, labels, update_key_neck)
    neck_before = {k: v.clone()
                   for k, v in model.key_neck.state_dict().items()}
    queue_before = model.queue.clone()
    ours = model.loss(inputs, samples)
    assert sorted(k for k in ours if 'loss' in k) == ['loss_contrastive',
                                                      'loss_sup']
    for key in want:
        torch.testing.assert_close(ours[key], want[key])
    # the key encoder (and, with the flag, its projector) moved as GeRSP's
    for mine, theirs in ((model.key_backbone, reference.key_backbone),
                         (model.key_neck, reference.key_neck)):
        for key, value in mine.state_dict().items():
            torch.testing.assert_close(value, theirs.state_dict()[key])
    if not update_key_neck:  # GeRSP's key projector never moves
        for key, value in model.key_neck.state_dict().items():
            assert torch.equal(value, neck_before[key])
    # the keys are enqueued after the loss, FIFO at the pointer
    torch.testing.assert_close(model.queue[:, :2], keys.t())
    torch.testing.assert_close(model.queue[:, 2:], queue_before[:, 2:])
    assert int(model.queue_ptr) == 2
    sum(v for k, v in ours.items() if 'loss' in k).backward()
    assert all(p.grad is None for p in model.key_backbone.parameters())
    assert all(p.grad is None for p in model.key_neck.parameters())
    assert model.classifier.weight.grad is not None


def test_key_encoder_starts_as_the_student_and_accuracy_is_logged():
    model = _gersp()
    model.init_weights()
    for student, key in ((model.backbone, model.key_backbone),
                         (model.neck, model.key_neck)):
        for (name, a), (_, b) in zip(student.named_parameters(),
                                     key.named_parameters()):
            assert torch.equal(a, b) and not b.requires_grad, name
    # zero-initialised last BN of every block (mmselfsup's ResNet)
    assert torch.count_nonzero(model.backbone.layer1[0].bn2.weight) == 0
    inputs, samples = _batch()
    out = model.train().loss(inputs, samples)
    assert 0 <= out['sup_acc_top1'] <= out['sup_acc_top5'] <= 100
    with pytest.raises(ValueError, match='one gt_label per natural image'):
        model.loss(inputs, samples[:1])
    with pytest.raises(ValueError, match=r'\[rs_q, rs_k, natural\]'):
        model.loss(inputs[:2], samples)


def _official_file(model, path):
    """What mmselfsup saves for MoCoGeRSP: the queue, encoder_q/k,
    proj_q/k (projector.0/.2), pred_q.0, and the aliases backbone./neck."""
    sd = {'queue': model.queue.clone(), 'queue_ptr': model.queue_ptr.clone()}

    def projector(module, prefix):
        return {prefix + k.replace('mlp.3.', 'projector.2.').replace(
            'mlp.0.', 'projector.0.'): v.clone()
            for k, v in module.state_dict().items()}

    sd.update({'encoder_q.' + k: v.clone()
               for k, v in model.backbone.state_dict().items()})
    sd.update(projector(model.neck, 'proj_q.'))
    sd.update({'pred_q.0.' + k: v.clone()
               for k, v in model.classifier.state_dict().items()})
    sd.update({'encoder_k.' + k: v.clone()
               for k, v in model.key_backbone.state_dict().items()})
    sd.update(projector(model.key_neck, 'proj_k.'))
    sd.update({'backbone.' + k: v.clone()
               for k, v in model.backbone.state_dict().items()})
    sd.update(projector(model.neck, 'neck.'))
    torch.save({'meta': {'epoch': 100, 'iter': 500000, 'mmcv_version':
                         '1.6.2'},
                'state_dict': sd,
                'optimizer': {'state': {}, 'param_groups': []}}, path)
    return sd


def test_official_training_file_loads_every_tensor(tmp_path):
    source = _randomised(_gersp())
    path = str(tmp_path / 'epoch_100.pth')
    sd = _official_file(source, path)
    model = _gersp(init_cfg=dict(type='Pretrained', checkpoint=path))
    model.init_weights()
    report = model.pretrained_report
    assert report.missing == [] and report.unexpected == []
    aliases = [k for k in sd if k.startswith(('backbone.', 'neck.'))]
    assert len(report.matched) == len(sd) - len(aliases)
    assert f'{len(aliases)} alias keys backbone.*/neck.* dropped' in \
        report.fmt
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
    inputs, samples = _batch()
    want = source.train().loss(inputs, samples)
    for key, value in model.train().loss(inputs, samples).items():
        torch.testing.assert_close(value, want[key])


def test_continues_from_a_resnet_alone(tmp_path):
    """GeRSP's CVT_epoch_N.pth: {'state_dict': {'backbone.<resnet>'}}."""
    source = _randomised(_gersp())
    path = str(tmp_path / 'CVT_epoch_100.pth')
    torch.save({'state_dict': {'backbone.' + k: v for k, v in
                               source.backbone.state_dict().items()}}, path)
    model = _gersp(init_cfg=dict(type='Pretrained', checkpoint=path,
                                 min_match=0.1))
    model.init_weights()
    assert model.pretrained_report.fmt.endswith('student encoder only')
    for key, value in source.backbone.state_dict().items():
        assert torch.equal(model.backbone.state_dict()[key], value)


def test_config_schedule_is_gersps_cosine_with_restarts():
    """mmcv's CosineRestart of GeRSP.py: lr(e) = 0.001 + 0.003 (1 +
    cos(pi (e mod 20) / 20)), by epoch."""
    import math
    import os.path as osp

    from mmengine.config import Config
    from mmengine.optim.scheduler import CosineRestartLR

    from tests.conftest import REPO
    cfg = Config.fromfile(osp.join(
        REPO, 'configs', 'gersp',
        'gersp_resnet-50_8xb32-100e_millionaid-imagenet-224.py'))
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], **{
        k: v for k, v in cfg.optim_wrapper.optimizer.items() if k != 'type'})
    kwargs = {k: v for k, v in cfg.param_scheduler[0].items()
              if k != 'type'}
    scheduler = CosineRestartLR(optimizer, **kwargs)
    for epoch in range(45):
        want = 0.001 + 0.003 * (1 + math.cos(math.pi * (epoch % 20) / 20))
        assert optimizer.param_groups[0]['lr'] == pytest.approx(want), epoch
        scheduler.step()
