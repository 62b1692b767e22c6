"""The real entry points end to end on the tiny fixtures (CPU, gloo).

tools/dist_train.sh with 2 processes, an interrupted run resumed with
--resume, tools/dist_test.sh for metrics and --format-only submissions,
tools/train.py without a launcher, and the environment report.
"""
import glob
import os
import os.path as osp
import socket
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import REPO
from tests.tiny import CONFIGS, tiny_config

pytestmark = pytest.mark.slow


POTSDAM = 'upernet_convnext-b-slffm_8xb2-amp-160k_potsdam-512x512.py'


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def _run(cmd, timeout=900):
    env = dict(os.environ, PORT=_free_port(), PYTHON=sys.executable,
               OMP_NUM_THREADS='1')
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{" ".join(cmd)} failed:\n{out[-6000:]}'
    return out


def _config(name):
    """The one shipped config whose file name starts with ``name``."""
    found = [p for p in CONFIGS if osp.basename(p).startswith(name)]
    assert len(found) == 1, f'{name} names {len(found)} configs: {found}'
    return found[0]


@pytest.mark.parametrize('name,length,metric_keys', [
    ('oriented-rcnn-le90_convnext-b-slffm_fpn_8xb2-1x_dota.py', 2,
     ['dota/mAP']),
    (POTSDAM, 4,
     ['aAcc', 'mIoU', 'mFscore']),
])
def test_dist_train_resume_test_format_only(name, length, metric_keys, roots,
                                            tmp_path):
    cfg = tiny_config(_config(name), roots, length)
    cfg_path = str(tmp_path / 'tiny.py')
    cfg.dump(cfg_path)
    work = str(tmp_path / 'work')
    by_epoch = 'max_epochs' in cfg.train_cfg
    half = length // 2
    first, last = (f'epoch_{half}.pth', f'epoch_{length}.pth') if by_epoch \
        else (f'iter_{half}.pth', f'iter_{length}.pth')
    stop_early = f'train_cfg.max_epochs={half}' if by_epoch \
        else f'train_cfg.max_iters={half}'

    # 1. a run that stops half-way (as if interrupted), 2 CPU processes
    _run(['bash', 'tools/dist_train.sh', cfg_path, '2', '--work-dir', work,
          '--cfg-options', stop_early])
    assert osp.isfile(osp.join(work, first))
    assert not osp.exists(osp.join(work, last))

    # 2. --resume picks up the latest checkpoint and finishes the schedule
    out = _run(['bash', 'tools/dist_train.sh', cfg_path, '2', '--work-dir',
                work, '--resume'])
    assert f'Load checkpoint from {osp.join(work, first)}' in out
    assert (f'resumed epoch: {half}' if by_epoch else
            f'iter: {half}') in out
    assert osp.isfile(osp.join(work, last))

    # 3. metrics from the trained checkpoint
    out = _run(['bash', 'tools/dist_test.sh', cfg_path,
                osp.join(work, last), '2', '--work-dir', work])
    for key in metric_keys:
        assert key in out, out[-3000:]

    if name.startswith('upernet'):  # flip TTA, as SMLFR tests
        out = _run([sys.executable, 'tools/test.py', cfg_path,
                    osp.join(work, last), '--work-dir', work, '--tta'])
        assert 'mIoU' in out

    # 4. submission files
    sub = str(tmp_path / 'submission')
    _run(['bash', 'tools/dist_test.sh', cfg_path, osp.join(work, last), '2',
          '--work-dir', work, '--format-only', '--out-dir', sub])
    if name.startswith('oriented-rcnn'):
        txts = glob.glob(osp.join(sub, 'Task1_*.txt'))
        assert len(txts) == 15  # one per DOTA v1.0 class
        archive = glob.glob(osp.join(sub, '*.zip'))
        assert len(archive) == 1
        assert len(zipfile.ZipFile(archive[0]).namelist()) == 15
        lines = [line.split() for t in txts for line in open(t)]
        # merged back to scene ids, 'id score x1 y1 ... x4 y4'
        assert all(fields[0] == 'P0003' and len(fields) == 10
                   for fields in lines)
    else:
        pngs = glob.glob(osp.join(sub, '**', '*.png'), recursive=True)
        assert len(pngs) == 2  # one label map per val clip

    # 5. drawings of every test image: rotated boxes / colour maps
    show = str(tmp_path / 'show')
    _run([sys.executable, 'tools/test.py', cfg_path, osp.join(work, last),
          '--work-dir', work, '--show-dir', show])
    images = glob.glob(osp.join(cfg.test_dataloader.dataset.data_root,
                                cfg.test_dataloader.dataset.data_prefix[
                                    'img_path'], '*.png'))
    # flat: one DIR/NAME.png per test image
    assert sorted(os.listdir(show)) == \
        sorted(osp.basename(p) for p in images) and images


@pytest.mark.parametrize('name,maps', [
    ('bit_convnext-b-slffm_8xb8-20k_levir-cd-256x256', 4),
    ('bit_resnet-50-cmid', 2),
    ('bit_spectral-vit-b-spectralgpt', 1),
])
def test_change_detection_train_test_maps(name, maps, roots, tmp_path):
    """LEVIR-CD, CDD and OSCD: 2-process training, 2-process testing with
    change-class scores, change maps (--format-only) and side-by-side
    drawings (--show-dir)."""
    cfg = tiny_config(_config(name), roots, 2)
    cfg_path = str(tmp_path / 'tiny.py')
    cfg.dump(cfg_path)
    work = str(tmp_path / 'work')
    _run(['bash', 'tools/dist_train.sh', cfg_path, '2', '--work-dir', work])
    ckpt = osp.join(work, 'iter_2.pth')
    out = _run(['bash', 'tools/dist_test.sh', cfg_path, ckpt, '2',
                '--work-dir', work])
    for key in ('change_F1', 'change_IoU', 'change_precision', 'mean_F1',
                'OA', 'kappa'):
        assert f'{key}: ' in out, out[-3000:]
    if 'tta_pipeline' in cfg:  # LEVIR-CD: SMLFR's flip test-time augmentation
        tta_show = str(tmp_path / 'tta_show')
        out = _run([sys.executable, 'tools/test.py', cfg_path, ckpt,
                    '--work-dir', work, '--tta', '--show-dir', tta_show])
        assert 'change_F1: ' in out
        assert len(os.listdir(tta_show)) == maps
    sub = str(tmp_path / 'maps')
    _run(['bash', 'tools/dist_test.sh', cfg_path, ckpt, '2', '--work-dir',
          work, '--format-only', '--out-dir', sub])
    written = sorted(os.listdir(sub))
    assert len(written) == maps
    if 'oscd' in cfg.train_dataloader.dataset.type.lower():
        import rasterio
        assert written == ['brasilia.tif']  # on the city's 10 m grid
        with rasterio.open(osp.join(sub, written[0])) as src:
            assert src.crs is not None and src.count == 1
    else:
        assert all(f.endswith('.png') for f in written)
    show = str(tmp_path / 'show')
    _run([sys.executable, 'tools/test.py', cfg_path, ckpt, '--work-dir',
          work, '--show-dir', show])
    drawn = sorted(os.listdir(show))
    assert [osp.splitext(f)[0] for f in drawn] == \
        [osp.splitext(f)[0] for f in written]


@pytest.mark.parametrize('name,length,metric', [
    ('oriented-rcnn-le90_convnext-b-slffm_fpn_8xb2-1x_dior-r', 1,
     'dota/mAP'),
    ('upernet_convnext-b-slffm_8xb2-amp-160k_loveda', 2, 'mIoU'),
])
def test_dior_r_and_loveda(name, length, metric, roots, tmp_path):
    """2-process training and testing on the release-layout fixtures; for
    LoveDA the test-server zip, read back."""
    cfg = tiny_config(_config(name), roots, length)
    cfg_path = str(tmp_path / 'tiny.py')
    cfg.dump(cfg_path)
    work = str(tmp_path / 'work')
    _run(['bash', 'tools/dist_train.sh', cfg_path, '2', '--work-dir', work])
    ckpt = glob.glob(osp.join(work, '*_1.pth'))[0] if length == 1 \
        else osp.join(work, f'iter_{length}.pth')
    out = _run(['bash', 'tools/dist_test.sh', cfg_path, ckpt, '2',
                '--work-dir', work])
    assert f'{metric}: ' in out, out[-3000:]
    if 'loveda' not in name:
        return
    sub = str(tmp_path / 'submission')
    _run(['bash', 'tools/dist_test.sh', cfg_path, ckpt, '2', '--work-dir',
          work, '--format-only', '--out-dir', sub])
    import cv2
    import numpy as np
    with zipfile.ZipFile(osp.join(sub, 'loveda_submission.zip')) as zf:
        # one PNG per test image, at the root, values 0..6
        assert sorted(zf.namelist()) == ['4191.png', '5000.png']
        for member in zf.namelist():
            png = cv2.imdecode(np.frombuffer(zf.read(member), np.uint8),
                               cv2.IMREAD_UNCHANGED)
            assert png.shape == (64, 64) and png.max() <= 6
    # SMLFR's number is the flip-TTA submission: the same zip with --tta
    tta = str(tmp_path / 'submission_tta')
    _run([sys.executable, 'tools/test.py', cfg_path, ckpt, '--work-dir', work,
          '--format-only', '--out-dir', tta, '--tta'])
    with zipfile.ZipFile(osp.join(tta, 'loveda_submission.zip')) as zf:
        assert sorted(zf.namelist()) == ['4191.png', '5000.png']


def test_train_py_without_launcher(roots, tmp_path):
    cfg = tiny_config(_config(POTSDAM), roots, 2)
    cfg_path = str(tmp_path / 'tiny.py')
    cfg.dump(cfg_path)
    out = _run([sys.executable, 'tools/train.py', cfg_path, '--work-dir',
                str(tmp_path / 'work')])
    assert 'Iter(train) [2/2]' in out
    assert osp.isfile(tmp_path / 'work' / 'iter_2.pth')


def test_entry_point_errors(tmp_path):
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', _config(POTSDAM),
         str(tmp_path / 'nope.pth')], cwd=REPO, capture_output=True,
        text=True)
    assert proc.returncode != 0
    assert 'checkpoint file' in proc.stderr and 'nope.pth' in proc.stderr
    proc = subprocess.run(['bash', 'tools/dist_train.sh'], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 2 and 'usage' in proc.stderr


def test_collect_env_check():
    out = subprocess.run(
        [sys.executable, '-m', 'rsfm.utils.collect_env', '--check'],
        cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout
    for key in ('torch', 'mmcv', 'mmengine', 'mmdet', 'mmrotate-dev',
                'mmsegmentation', 'mmpretrain', 'mmcv.ops'):
        assert key in out.stdout
    assert 'compiled' in out.stdout


@pytest.mark.parametrize('script,args,expected', [
    ('slurm_train.sh', ['part', 'job', 'cfg.py', 'work'],
     ['train.py', '--launcher', 'slurm', 'cfg.py', '--work-dir', 'work',
      '--amp']),
    ('slurm_test.sh', ['part', 'job', 'cfg.py', 'ckpt.pth'],
     ['test.py', '--launcher', 'slurm', 'cfg.py', 'ckpt.pth', '--amp']),
])
def test_slurm_scripts_call_srun(script, args, expected, tmp_path):
    """No cluster here: a stand-in srun records what the script runs."""
    (tmp_path / 'srun').write_text(
        '#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$SRUN_LOG"\n')
    (tmp_path / 'srun').chmod(0o755)
    log = tmp_path / 'srun.log'
    env = dict(os.environ, PATH=f'{tmp_path}:{os.environ["PATH"]}',
               SRUN_LOG=str(log), GPUS='16', GPUS_PER_NODE='8')
    subprocess.run(['bash', f'tools/{script}', *args, '--amp'], cwd=REPO,
                   env=env, check=True)
    argv = log.read_text().split('\n')[:-1]
    assert argv[:2] == ['-p', 'part'] and '--job-name=job' in argv
    assert '--ntasks=16' in argv and '--gres=gpu:8' in argv
    cmd = argv[argv.index('-u') + 1:]
    assert cmd[0].endswith('tools/' + expected[0])
    assert cmd[1:] == expected[1:]
