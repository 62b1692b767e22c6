"""rsfm.Runner: resume on torch >= 2.6, CPU distributed wrapping."""
import itertools
import os
import os.path as osp

import pytest
import torch
import torch.distributed as dist
import torch.nn as nn
from mmengine.model import BaseModel, MMDistributedDataParallel

from rsfm.engine import Runner
from rsfm.checkpoint.loading import CodeInCheckpointError
from rsfm.engine.runner import amp_fallback, load_run_checkpoint

_RUN_IDS = itertools.count()


class _ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, labels=None, mode='tensor'):
        inputs = torch.stack(inputs) if isinstance(inputs, list) else inputs
        out = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=((out.squeeze(-1) - labels)**2).mean())
        return out


class _ToyData(torch.utils.data.Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        x = torch.randn(2, generator=g)
        return dict(inputs=x, labels=x.sum())


def _cfg(work_dir, max_epochs, **kwargs):
    cfg = dict(
        model=_ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=_ToyData(), sampler=dict(type='DefaultSampler'),
            batch_size=4, collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           interval=1)),
        default_scope='mmengine',
        experiment_name=f'{osp.basename(work_dir)}-{next(_RUN_IDS)}')
    cfg.update(kwargs)
    return cfg


def test_checkpoints_hold_non_tensor_state(tmp_path):
    Runner(**_cfg(tmp_path, 1)).train()
    path = str(tmp_path / 'epoch_1.pth')
    # torch's default (weights_only=True on torch >= 2.6) refuses it ...
    if tuple(int(v) for v in torch.__version__.split('.')[:2]) >= (2, 6):
        with pytest.raises(Exception, match='weights_only'):
            torch.load(path)
    # ... rsfm loads the run's own checkpoint
    ckpt = load_run_checkpoint(path)
    assert ckpt['meta']['epoch'] == 1 and 'message_hub' in ckpt
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        load_run_checkpoint(str(tmp_path / 'missing.pth'))


class _Code:
    """Stands for any pickled object that is not training state."""


def test_run_checkpoints_load_without_unpickling_code(tmp_path, monkeypatch):
    Runner(**_cfg(tmp_path, 1)).train()
    path = str(tmp_path / 'epoch_1.pth')
    calls = []
    load = torch.load
    monkeypatch.setattr(torch, 'load', lambda *a, **k: calls.append(
        k.get('weights_only')) or load(*a, **k))
    ckpt = load_run_checkpoint(path)
    assert calls == [True]  # mmengine's message hub is allow-listed
    full = load(path, weights_only=False)
    for key in ('train/loss', 'train/lr'):
        hub, ref = (c['message_hub']['log_scalars'][key] for c in (ckpt,
                                                                   full))
        assert hub.mean() == ref.mean() and hub.max() == ref.max()


def test_checkpoints_with_code_need_trust(tmp_path):
    Runner(**_cfg(tmp_path / 'run', 1)).train()
    ckpt = torch.load(str(tmp_path / 'run' / 'epoch_1.pth'),
                      weights_only=False)
    ckpt['meta']['hook'] = _Code()
    foreign = str(tmp_path / 'downloaded.pth')
    torch.save(ckpt, foreign)
    with pytest.raises(CodeInCheckpointError,
                       match=r'downloaded.pth holds pickled objects .*_Code'
                       r'.*--trust-checkpoint'):
        load_run_checkpoint(foreign)
    assert load_run_checkpoint(foreign, trusted=True)['meta']['epoch'] == 1
    # the Runner: load_from outside its work dir needs trust_checkpoint
    with pytest.raises(CodeInCheckpointError, match='trust_checkpoint'):
        Runner(**_cfg(tmp_path / 'other', 1, load_from=foreign)).train()
    runner = Runner(**_cfg(tmp_path / 'other2', 1, load_from=foreign,
                           cfg=dict(trust_checkpoint=True)))
    runner.train()
    # ... and files of its own work dir are trusted
    own = str(tmp_path / 'own' / 'mine.pth')
    os.makedirs(osp.dirname(own))
    torch.save(ckpt, own)
    Runner(**_cfg(tmp_path / 'own', 1, load_from=own)).train()


def test_resume_continues(tmp_path):
    Runner(**_cfg(tmp_path, 1)).train()
    weights = torch.load(str(tmp_path / 'epoch_1.pth'), weights_only=False)[
        'state_dict']['linear.weight']
    runner = Runner(**_cfg(tmp_path, 2, resume=True))
    runner.train()
    assert runner.epoch == 2 and runner.iter == 4
    assert os.path.isfile(tmp_path / 'epoch_2.pth')
    resumed = torch.load(str(tmp_path / 'epoch_2.pth'), weights_only=False)
    assert resumed['meta']['iter'] == 4
    assert not torch.equal(weights, resumed['state_dict']['linear.weight'])


class _BNModel(_ToyModel):

    def __init__(self):
        super().__init__()
        self.bn = nn.SyncBatchNorm(1)

    def forward(self, inputs, labels=None, mode='tensor'):
        inputs = torch.stack(inputs) if isinstance(inputs, list) else inputs
        out = self.bn(self.linear(inputs))
        if mode == 'loss':
            return dict(loss=((out.squeeze(-1) - labels)**2).mean())
        return out


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only behaviour')
@pytest.mark.parametrize('wrapper_cfg', [
    None,
    # the common config idiom, which failed on CPUs (device_ids passed)
    dict(type='MMDistributedDataParallel', find_unused_parameters=True),
])
def test_cpu_distributed_wrapping(monkeypatch, tmp_path, wrapper_cfg):
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', '29531')
    monkeypatch.setenv('LOCAL_RANK', '0')
    dist.init_process_group('gloo', rank=0, world_size=1)
    try:
        runner = Runner(**_cfg(tmp_path, 1, launcher='pytorch',
                               model=_BNModel(),
                               cfg=dict(sync_bn='torch',
                                        model_wrapper_cfg=wrapper_cfg)))
        runner.train()
        assert isinstance(runner.model, MMDistributedDataParallel)
        assert runner.model.device_ids is None
        assert runner.model.find_unused_parameters == (wrapper_cfg
                                                       is not None)
        # SyncBN (GPU-only) came back neither from the model nor sync_bn
        assert not any(isinstance(m, nn.SyncBatchNorm)
                       for m in runner.model.modules())
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only behaviour')
def test_amp_falls_back_to_fp32_on_cpu(tmp_path):
    cfg = dict(type='AmpOptimWrapper', loss_scale='dynamic',
               optimizer=dict(type='SGD', lr=0.1))
    assert amp_fallback(cfg) == dict(type='OptimWrapper',
                                     optimizer=dict(type='SGD', lr=0.1))
    assert cfg['type'] == 'AmpOptimWrapper'  # the config is not modified
    plain = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))
    assert amp_fallback(plain) is plain
    runner = Runner(**_cfg(tmp_path, 1, optim_wrapper=cfg))
    runner.train()
    assert type(runner.optim_wrapper).__name__ == 'OptimWrapper'
