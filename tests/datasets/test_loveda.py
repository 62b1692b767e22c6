"""The LoveDA converter and the server-ready submission."""
import os
import os.path as osp
import subprocess
import sys
import zipfile

import cv2
import numpy as np
import pytest
import torch

from rsfm.datasets.loveda_convert import convert_loveda
from rsfm.evaluation import LoveDASubmissionMetric
from tests.conftest import REPO
from tests.data.loveda.data import make_raw


def test_converter_from_zips_and_folders(tmp_path):
    zips = make_raw(str(tmp_path / 'raw'))
    proc = subprocess.run(
        [sys.executable, 'tools/dataset_converters/loveda.py', '--src',
         *zips, '--out', str(tmp_path / 'a')], cwd=REPO,
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout + proc.stderr
    assert 'train: images 4, urban 2, rural 2' in out
    files = sorted(osp.relpath(osp.join(d, f), tmp_path / 'a')
                   for d, _, fs in os.walk(tmp_path / 'a') for f in fs)
    assert files == [
        'ann_dir/train/0.png', 'ann_dir/train/1.png',
        'ann_dir/train/1366.png', 'ann_dir/train/1367.png',
        'ann_dir/val/2522.png', 'ann_dir/val/3514.png',
        'img_dir/test/4191.png', 'img_dir/test/5000.png',
        'img_dir/train/0.png', 'img_dir/train/1.png',
        'img_dir/train/1366.png', 'img_dir/train/1367.png',
        'img_dir/val/2522.png', 'img_dir/val/3514.png']
    with zipfile.ZipFile(zips[0]) as zf:
        assert zf.read('Train/Rural/masks_png/1.png') == \
            (tmp_path / 'a/ann_dir/train/1.png').read_bytes()
    for path in zips:
        zipfile.ZipFile(path).extractall(tmp_path / 'unpacked')
    convert_loveda([str(tmp_path / 'unpacked')], str(tmp_path / 'b'))
    assert (tmp_path / 'b/img_dir/test/4191.png').read_bytes() == \
        (tmp_path / 'a/img_dir/test/4191.png').read_bytes()


def test_converter_errors(tmp_path):
    zips = make_raw(str(tmp_path / 'raw'))
    unpacked = tmp_path / 'unpacked'
    for path in zips:
        zipfile.ZipFile(path).extractall(unpacked)
    cv2.imwrite(str(unpacked / 'Val/Urban/masks_png/3514.png'),
                np.full((64, 64), 9, np.uint8))
    with pytest.raises(ValueError, match='3514.png holds value 9'):
        convert_loveda([str(unpacked)], str(tmp_path / 'o1'))
    os.remove(unpacked / 'Val/Urban/masks_png/3514.png')
    with pytest.raises(FileNotFoundError, match='3514.png has no mask'):
        convert_loveda([str(unpacked)], str(tmp_path / 'o2'))
    with pytest.raises(ValueError, match='appears twice'):
        convert_loveda([str(unpacked), zips[1]], str(tmp_path / 'o3'))


def test_submission_is_what_the_server_accepts(tmp_path):
    out = str(tmp_path / 'sub')
    metric = LoveDASubmissionMetric(output_dir=out)
    preds = {}
    for n in (4191, 5000):
        pred = torch.randint(0, 7, (1, 16, 16))
        preds[n] = pred[0].numpy()
        metric.process({}, [dict(pred_sem_seg=dict(data=pred),
                                 img_path=f'data/img_dir/test/{n}.png')])
    assert metric.compute_metrics(metric.results) == {}
    with zipfile.ZipFile(osp.join(out, 'loveda_submission.zip')) as zf:
        assert sorted(zf.namelist()) == ['4191.png', '5000.png']  # at root
        for n, pred in preds.items():
            png = cv2.imdecode(np.frombuffer(zf.read(f'{n}.png'), np.uint8),
                               cv2.IMREAD_UNCHANGED)
            assert png.dtype == np.uint8 and png.ndim == 2
            np.testing.assert_array_equal(png, pred)  # 0..6, not 1..7
    with pytest.raises(ValueError, match='score labelled splits'):
        LoveDASubmissionMetric(format_only=False, output_dir=out)
