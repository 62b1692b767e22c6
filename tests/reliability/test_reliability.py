"""Nothing lost, nothing silent: bad inputs and faults, each failing with a
message that names its culprit, and no data lost.

Covers issue 7's cases: work dirs with checkpoints, concurrent runs, a kill
during a checkpoint save, submission folders, converters on a failing disk,
--resume without checkpoints / in a moved work dir / with an empty
last_checkpoint, the launchers' process tree and argument checks, NaN
losses, non-finite or unknown DOTA labels, splitter options, typos in
--cfg-options, and checkpoints of another model.
"""
import os
import os.path as osp
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest
import torch
import torch.nn as nn
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import BaseModel

from rsfm.checkpoint.convert_cli import convert_main
from rsfm.datasets import load_dota_labels, split_dota
from rsfm.engine import Runner
from rsfm.engine.runner import latest_checkpoint, training_lock
from rsfm.models.backbones import ResNet
from rsfm.models.backbones.resnet import convert_resnet
from tests.conftest import REPO
from tests.engine.test_runner import _cfg, _ToyModel


class _Model(_ToyModel):
    """The toy model, whose loss turns NaN at call ``nan_at``."""

    def __init__(self, nan_at=None):
        super().__init__()
        self.nan_at, self.calls = nan_at, 0

    def forward(self, inputs, labels=None, mode='tensor'):
        out = super().forward(inputs, labels, mode)
        if mode == 'loss':
            self.calls += 1
            if self.calls == self.nan_at:
                out['loss'] = out['loss'] * float('nan')
        return out


def _runner(work_dir, epochs=1, model=None, **kwargs):
    """The toy Runner of the engine tests, keeping one checkpoint."""
    kwargs.setdefault('default_hooks', dict(checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=1)))
    return Runner(**_cfg(work_dir, epochs, model=model or _Model(),
                         **kwargs))


# -- data loss -----------------------------------------------------------------
def test_training_into_a_work_dir_with_checkpoints_is_refused(tmp_path):
    _runner(tmp_path).train()
    before = (tmp_path / 'epoch_1.pth').read_bytes()
    with pytest.raises(FileExistsError, match=r'holds checkpoints of an '
                       r'earlier run \(epoch_1.pth, last_checkpoint\).*'
                       r'--resume.*--work-dir.*--overwrite-work-dir'):
        _runner(tmp_path).train()
    assert (tmp_path / 'epoch_1.pth').read_bytes() == before
    _runner(tmp_path, cfg=dict(overwrite_work_dir=True)).train()  # explicit
    _runner(tmp_path, 2, resume=True).train()  # continuing is fine
    assert (tmp_path / 'epoch_2.pth').is_file()


def test_a_second_run_into_the_same_work_dir_is_refused(tmp_path):
    with training_lock(str(tmp_path)):
        with pytest.raises(RuntimeError, match=r'another training run \(pid '
                           rf'{os.getpid()} .*is using {tmp_path}'):
            _runner(tmp_path).train()
    assert not (tmp_path / 'epoch_1.pth').exists()


def test_a_crashed_run_leaves_no_stuck_lock(tmp_path):
    code = ('import sys, time; from rsfm.engine.runner import training_lock\n'
            'with training_lock(sys.argv[1]):\n'
            '    print("locked", flush=True); time.sleep(60)\n')
    proc = subprocess.Popen([sys.executable, '-c', code, str(tmp_path)],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == 'locked'
    with pytest.raises(RuntimeError, match='another training run'):
        with training_lock(str(tmp_path)):
            pass
    proc.kill()  # kill -9: no cleanup runs
    proc.wait()
    with training_lock(str(tmp_path)):
        pass


def test_a_kill_during_a_checkpoint_save_loses_nothing(tmp_path, monkeypatch):
    """max_keep_ckpts=1: mmengine deleted the old checkpoint before writing
    the new one."""
    _runner(tmp_path).train()
    before = (tmp_path / 'epoch_1.pth').read_bytes()
    import mmengine.runner.runner as mm_runner

    def killed(checkpoint, filename, **kwargs):
        with open(filename, 'wb') as f:
            f.write(b'PK\x03\x04 half a checkpoint')
        raise KeyboardInterrupt('killed while saving')

    monkeypatch.setattr(mm_runner, 'save_checkpoint', killed)
    with pytest.raises(KeyboardInterrupt):
        _runner(tmp_path, 2, resume=True).train()
    assert (tmp_path / 'epoch_1.pth').read_bytes() == before
    assert not (tmp_path / 'epoch_2.pth').exists()
    assert latest_checkpoint(str(tmp_path)).endswith('epoch_1.pth')


def test_old_checkpoints_are_removed_after_the_new_one(tmp_path):
    _runner(tmp_path, 3).train()
    assert sorted(f for f in os.listdir(tmp_path) if f.endswith('.pth')) == \
        ['epoch_3.pth']
    assert not [f for f in os.listdir(tmp_path) if f.endswith('.tmp')]
    assert (tmp_path / 'last_checkpoint').read_text().endswith('epoch_3.pth')


def test_format_only_refuses_a_non_empty_out_dir(tmp_path):
    (tmp_path / 'sub').mkdir()
    (tmp_path / 'sub' / 'Task1_plane.txt').write_text('earlier submission')
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', 'cfg.py', 'ckpt.pth',
         '--format-only', '--out-dir', str(tmp_path / 'sub')], cwd=REPO,
        capture_output=True, text=True)
    assert proc.returncode == 2
    assert f'--out-dir {tmp_path / "sub"} is not empty' in proc.stderr
    assert (tmp_path / 'sub' / 'Task1_plane.txt').read_text() == \
        'earlier submission'


def test_converter_leaves_no_truncated_file(tmp_path, monkeypatch):
    torch.save(ResNet(arch='tiny').state_dict(), tmp_path / 'src.pth')

    def full_disk(obj, path, *args, **kwargs):
        with open(path, 'wb') as f:
            f.write(b'PK\x03\x04 partial')
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(torch, 'save', full_disk)
    with pytest.raises(OSError, match='No space left'):
        convert_main('convert', {'resnet': convert_resnet},
                     [str(tmp_path / 'src.pth'), str(tmp_path / 'dst.pth')])
    assert sorted(os.listdir(tmp_path)) == ['src.pth']


# -- resume --------------------------------------------------------------------
def test_resume_without_a_checkpoint_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match=rf'--resume: no checkpoint '
                       rf'to resume in {tmp_path}'):
        _runner(tmp_path, resume=True).train()


def test_a_moved_work_dir_resumes_from_its_own_files(tmp_path):
    _runner(tmp_path / 'a').train()
    shutil.move(str(tmp_path / 'a'), str(tmp_path / 'b'))
    assert str(tmp_path / 'a') in (tmp_path / 'b' /
                                   'last_checkpoint').read_text()
    assert latest_checkpoint(str(tmp_path / 'b')) == \
        str(tmp_path / 'b' / 'epoch_1.pth')
    runner = _runner(tmp_path / 'b', 2, resume=True)
    runner.train()
    assert runner.epoch == 2


def test_an_empty_last_checkpoint_falls_back_to_the_latest_file(tmp_path):
    _runner(tmp_path, 1, default_hooks=dict(checkpoint=dict(
        type='CheckpointHook', interval=1))).train()
    (tmp_path / 'last_checkpoint').write_text('')
    assert latest_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_1.pth')


# -- launchers -----------------------------------------------------------------
@pytest.mark.parametrize('n', ['0', '-1', 'two', '1.5'])
def test_launcher_checks_the_process_count(n):
    proc = subprocess.run(['bash', 'tools/dist_train.sh', 'cfg.py', n],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 2
    assert 'NUM_PROCESSES must be a positive integer' in proc.stderr
    assert repr(n) in proc.stderr or f"'{n}'" in proc.stderr


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def _processes_with(marker):
    out = subprocess.run(['ps', '-eww', '-o', 'pid,args'],
                         capture_output=True, text=True).stdout
    return [line for line in out.splitlines()
            if marker in line and 'ps -eww' not in line]


@pytest.mark.slow
def test_killing_the_launcher_ends_every_worker(tmp_path):
    """kill -9 of tools/dist_train.sh: the shell scripts exec torchrun, and
    the workers get SIGTERM from the kernel when torchrun dies."""
    cfg = tmp_path / 'toy_launch.py'
    cfg.write_text(textwrap.dedent(f'''
        custom_imports = dict(imports=['tests.reliability.toy',
                                       'rsfm.engine'])
        default_scope = 'mmengine'
        runner_type = 'rsfm.Runner'
        model = dict(type='SlowToyModel', delay=0.2)
        train_dataloader = dict(
            dataset=dict(type='ToyData', length=4000),
            sampler=dict(type='DefaultSampler'), batch_size=2,
            num_workers=0, collate_fn=dict(type='default_collate'))
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01))
        train_cfg = dict(by_epoch=True, max_epochs=100)
        work_dir = {str(tmp_path / 'work')!r}
    '''))
    env = dict(os.environ, PORT=_free_port(), PYTHON=sys.executable,
               OMP_NUM_THREADS='1')
    launcher = subprocess.Popen(['bash', 'tools/dist_train.sh', str(cfg),
                                 '2'], cwd=REPO, env=env,
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    marker = str(cfg)
    try:
        deadline = time.monotonic() + 120
        while len([p for p in _processes_with(marker)
                   if 'torch.distributed.run' not in p]) < 2:
            assert time.monotonic() < deadline, 'workers did not start'
            assert launcher.poll() is None, 'the launcher exited early'
            time.sleep(1)
        torchrun = [int(p.split()[0]) for p in _processes_with(marker)
                    if 'torch.distributed.run' in p]
        # dist_train.sh and dist_launch.sh exec: the launcher is torchrun
        assert torchrun == [launcher.pid]
        os.kill(launcher.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while _processes_with(marker):
            assert time.monotonic() < deadline, \
                f'processes left after kill -9: {_processes_with(marker)}'
            time.sleep(0.5)
    finally:
        for line in _processes_with(marker):
            os.kill(int(line.split()[0]), signal.SIGKILL)
        launcher.wait(timeout=10)


# -- silent acceptance ---------------------------------------------------------
def test_a_nan_loss_stops_training_before_saving(tmp_path):
    runner = _runner(tmp_path, 4, model=_Model(nan_at=3),
                     default_hooks=dict(checkpoint=dict(
                         type='CheckpointHook', interval=1, by_epoch=False)))
    with pytest.raises(FloatingPointError, match=r'non-finite loss at '
                       r'iteration 3 \(epoch 2\): loss=nan'):
        runner.train()
    assert sorted(f for f in os.listdir(tmp_path) if f.endswith('.pth')) == \
        ['iter_1.pth', 'iter_2.pth']  # iteration 3 was not saved


@pytest.mark.parametrize('text,match', [
    ('1 2 3 4 5 6 nan 8 ship 0\n', r'bad.txt:1: coordinates must be finite'),
    ('gsd:0.146m\n1 2 3 4 5 6 7 8 ship 0\n',
     r"bad.txt:1: gsd must be a positive number .* got '0.146m'"),
    ('1 2 3 4 5 6 7 inf ship 0\n', r'bad.txt:1: coordinates must be finite'),
])
def test_dota_labels_that_are_errors(tmp_path, text, match):
    (tmp_path / 'bad.txt').write_text(text)
    with pytest.raises(ValueError, match=match):
        load_dota_labels(str(tmp_path / 'bad.txt'))


def test_binary_label_file_is_named(tmp_path):
    (tmp_path / 'P0001.txt').write_bytes(b'\x89PNG\r\n\x1a\n\xff\xfe')
    with pytest.raises(ValueError, match=r'P0001.txt is not a UTF-8 text '
                       r'label file'):
        load_dota_labels(str(tmp_path / 'P0001.txt'))


def test_splitter_refuses_unknown_classes_before_writing(dota_raw, tmp_path):
    from rsfm.datasets.dota_split import find_scenes
    src = tmp_path / 'src'
    shutil.copytree(dota_raw['train'], src)
    label = sorted((src / 'labelTxt').iterdir())[0]
    label.write_text(label.read_text() + '1 1 9 1 9 9 1 9 airplane 0\n')
    scenes = find_scenes(str(src / 'images'), str(src / 'labelTxt'))
    with pytest.raises(ValueError, match=rf"{label}: category 'airplane' is "
                       r"not one of the 15 classes \('plane', "):
        split_dota(scenes, str(tmp_path / 'out'))
    assert not (tmp_path / 'out').exists()


@pytest.mark.parametrize('args,match', [
    (['--sizes', '1024', '512', '--gaps', '200'], 'give as many gaps as'),
    (['--rates', '0'], '--rates must be positive'),
    (['--padding-value', '0', '0', '256'], r'--padding-value .* \[0, 255\]'),
    (['--iof-thr', '1.5'], '--iof-thr in'),
    (['--nproc', '0'], '--nproc must be >= 1'),
])
def test_splitter_options_out_of_range(args, match, tmp_path):
    proc = subprocess.run(
        [sys.executable, 'tools/dataset_converters/dota.py', '--src',
         str(tmp_path), '--out', str(tmp_path / 'out'), *args], cwd=REPO,
        capture_output=True, text=True)
    assert proc.returncode == 2
    assert re.search(match, proc.stderr), proc.stderr


@pytest.mark.parametrize('option,match', [
    ('randomnes.seed=0', r"has no key 'randomnes'; did you mean "
     r"'randomness'\?"),
    ('train_cfg', r"--cfg-options takes key=value items, got 'train_cfg'"),
])
def test_cfg_options_typos(option, match):
    proc = subprocess.run(
        [sys.executable, 'tools/train.py',
         'configs/upernet/upernet_convnext-b-slffm_8xb2-amp-160k_potsdam-'
         '512x512.py', '--cfg-options', option], cwd=REPO,
        capture_output=True, text=True)
    assert proc.returncode != 0
    assert re.search(match, proc.stderr), proc.stderr[-2000:]


def test_another_models_checkpoint_is_refused(tmp_path):
    class _Other(BaseModel):

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)

        def forward(self, *args, **kwargs):
            pass

    torch.save({'state_dict': _Other().state_dict(), 'meta': {}},
               tmp_path / 'other.pth')
    runner = _runner(tmp_path / 'work')
    with pytest.raises(ValueError, match=r'other.pth fits only 0.0% of the '
                       r'parameters of this _Model .*linear.weight'):
        runner.load_checkpoint(str(tmp_path / 'other.pth'))


# -- images an RGB pipeline would change silently ------------------------------
def test_rgb_loader_refuses_what_mmcv_would_change(tmp_path):
    import cv2
    import numpy as np

    from rsfm.datasets import LoadRGBImage
    load = LoadRGBImage()
    cv2.imwrite(str(tmp_path / 'ok.png'), np.full((4, 5, 3), 7, np.uint8))
    out = load(dict(img_path=str(tmp_path / 'ok.png')))
    assert out['img'].shape == (4, 5, 3) and out['img_shape'] == (4, 5)
    cv2.imwrite(str(tmp_path / 'gray.png'), np.full((4, 5), 9, np.uint8))
    assert load(dict(img_path=str(tmp_path / 'gray.png')))['img'].shape == \
        (4, 5, 3)
    cv2.imwrite(str(tmp_path / 'rgba.png'), np.zeros((4, 5, 4), np.uint8))
    with pytest.raises(ValueError, match=r'rgba.png has 4 bands: this RGB '
                       r'pipeline would drop.*LoadMultiBandImage'):
        load(dict(img_path=str(tmp_path / 'rgba.png')))
    cv2.imwrite(str(tmp_path / 'deep.png'), np.zeros((4, 5, 3), np.uint16))
    with pytest.raises(ValueError, match=r'deep.png holds uint16 values'):
        load(dict(img_path=str(tmp_path / 'deep.png')))
    (tmp_path / 'empty.png').write_bytes(b'')
    with pytest.raises(ValueError, match=r'empty.png is empty \(0 bytes\)'):
        load(dict(img_path=str(tmp_path / 'empty.png')))
    (tmp_path / 'bad.png').write_bytes(b'\x89PNG garbage')
    with pytest.raises(ValueError, match='cannot decode image .*bad.png'):
        load(dict(img_path=str(tmp_path / 'bad.png')))


# -- exact resume -------------------------------------------------------------
class _Noisy(_ToyModel):
    """Dropout (torch random numbers) on the inputs."""

    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.5)

    def forward(self, inputs, labels=None, mode='tensor'):
        inputs = torch.stack(inputs) if isinstance(inputs, list) else inputs
        return super().forward(self.drop(inputs), labels, mode)


class _AugmentedData(torch.utils.data.Dataset):
    """Samples with numpy and python random jitter (augmentation)."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        import random

        import numpy as np
        x = torch.randn(2, generator=torch.Generator().manual_seed(i))
        x = x + float(np.random.randn()) + random.random()
        return dict(inputs=x, labels=x.sum())


class _MeanOutput(BaseMetric):
    """A metric whose validation runs a data loader (random draws)."""

    def process(self, data_batch, data_samples):
        self.results.append(float(torch.stack(list(data_samples)).mean()))

    def compute_metrics(self, results):
        return dict(mean=sum(results) / len(results))


class _Losses(Hook):

    def __init__(self):
        self.losses = []

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.losses.append(outputs['loss'].item())


def _noisy_runner(work_dir, by_epoch, length, resume=False):
    loader = dict(dataset=_AugmentedData(), batch_size=2, num_workers=0,
                  collate_fn=dict(type='default_collate'))
    record = _Losses()
    train_cfg = dict(by_epoch=True, max_epochs=length, val_interval=1) \
        if by_epoch else dict(by_epoch=False, max_iters=length,
                              val_interval=2)
    torch.manual_seed(0)  # the same initial weights in every run
    runner = Runner(
        model=_Noisy(), work_dir=str(work_dir),
        train_dataloader=dict(loader, sampler=dict(
            type='DefaultSampler' if by_epoch else 'InfiniteSampler',
            shuffle=True)),
        val_dataloader=dict(loader, sampler=dict(type='DefaultSampler',
                                                 shuffle=False)),
        val_cfg=dict(), val_evaluator=[_MeanOutput()],
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05)),
        train_cfg=train_cfg,
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1,
                                           by_epoch=by_epoch)),
        custom_hooks=[record], resume=resume, default_scope='mmengine',
        randomness=dict(seed=7),
        experiment_name=f'noisy-{time.time_ns()}')
    return runner, record


@pytest.mark.parametrize('by_epoch,length', [(False, 6), (True, 4)],
                         ids=['iteration-based', 'epoch-based'])
def test_resume_continues_with_the_same_random_numbers(tmp_path, by_epoch,
                                                       length):
    """Stopped half-way and resumed, a run with dropout, numpy and python
    augmentation and validation in between computes the losses and weights
    of the uninterrupted run (it differed by 1.7e-3 before)."""
    whole, whole_losses = _noisy_runner(tmp_path / 'whole', by_epoch, length)
    whole.train()
    half, _ = _noisy_runner(tmp_path / 'cut', by_epoch, length // 2)
    half.train()  # as if killed right after the half-way checkpoint
    resumed, later = _noisy_runner(tmp_path / 'cut', by_epoch, length,
                                   resume=True)
    resumed.train()
    steps = len(whole_losses.losses)
    assert later.losses == whole_losses.losses[steps - len(later.losses):]
    for a, b in zip(whole.model.parameters(), resumed.model.parameters()):
        assert torch.equal(a, b)


# -- segmentation labels, configs, resuming another config ---------------------
def test_segmentation_labels_are_checked(tmp_path):
    import numpy as np

    from rsfm.datasets import CheckSegLabels
    check = CheckSegLabels(num_classes=5)
    ok = np.array([[0, 4], [255, 2]], np.uint8)
    assert check(dict(gt_seg_map=ok, seg_map_path='a.png'))['gt_seg_map'] \
        is ok
    with pytest.raises(ValueError, match=r'b.png holds label values \[5, 7\] '
                       r'outside the 5 classes \[0, 4\]'):
        check(dict(gt_seg_map=np.array([[5, 7]], np.uint8),
                   seg_map_path='b.png'))
    with pytest.raises(ValueError, match=r'c.png is a 3-band \(colour\?\) '
                       r'label map; an index map'):
        check(dict(gt_seg_map=np.zeros((2, 2, 3), np.uint8),
                   seg_map_path='c.png'))


def test_a_syntax_error_in_a_base_config_names_the_file(tmp_path):
    (tmp_path / 'base.py').write_text('a = 1\nb = (\n')
    (tmp_path / 'top.py').write_text("_base_ = ['base.py']\nc = 2\n")
    proc = subprocess.run([sys.executable, 'tools/train.py',
                           str(tmp_path / 'top.py')], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert f'syntax error in config {tmp_path / "base.py"}:2:' in proc.stderr


def test_resuming_another_configs_checkpoint_says_so(tmp_path):
    _runner(tmp_path).train()
    other = _runner(tmp_path, 2, resume=True, optim_wrapper=dict(
        optimizer=dict(type='SGD', lr=0.1),
        paramwise_cfg=dict(custom_keys={'bias': dict(lr_mult=2.)})))
    with pytest.raises(ValueError, match=r'cannot resume from .*epoch_1.pth: '
                       r'.*another config'):
        other.train()


def test_splitter_leaves_no_partial_patch(dota_raw, tmp_path, monkeypatch):
    import rsfm.datasets.dota_split as dota_split
    from rsfm.datasets.dota_split import find_scenes
    written = []
    imwrite = dota_split.cv2.imwrite

    def disk_full_on_second(path, img):
        if written:
            with open(path, 'wb') as f:
                f.write(b'\x89PNG partial')
            return False
        written.append(path)
        return imwrite(path, img)

    monkeypatch.setattr(dota_split.cv2, 'imwrite', disk_full_on_second)
    scenes = find_scenes(osp.join(dota_raw['train'], 'images'),
                         osp.join(dota_raw['train'], 'labelTxt'))
    with pytest.raises(OSError, match='cannot write'):
        split_dota(scenes, str(tmp_path / 'out'), sizes=[64], gaps=[16])
    images = os.listdir(tmp_path / 'out' / 'images')
    assert len(images) == 1 and not images[0].startswith('.')
