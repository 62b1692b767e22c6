"""The ISPRS Potsdam converter on raw-archive fixtures."""
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import rasterio

from rsfm.datasets.potsdam_convert import (clip_windows, colour_to_index,
                                           convert_potsdam)
from tests.conftest import REPO
from tests.data.potsdam.data import make_raw


def test_colours_are_thresholded_to_the_legend():
    colours = np.array([[255, 255, 255], [0, 0, 255], [0, 255, 255],
                        [0, 255, 0], [255, 255, 0], [255, 0, 0], [0, 0, 0],
                        [252, 255, 0], [9, 222, 221], [255, 0, 255]],
                       np.uint8)
    index, magenta = colour_to_index(colours.T[:, None, :])
    assert index[0].tolist() == [1, 2, 3, 4, 5, 6, 0, 5, 3, 0]
    assert magenta == 1


def test_clip_windows_end_at_the_border():
    assert clip_windows(6000, 512, 512)[-2:] == [5120, 5488]
    assert len(clip_windows(6000, 512, 512)) == 12  # 144 clips per tile
    assert clip_windows(200, 64, 64) == [0, 64, 128, 136]
    assert clip_windows(64, 64, 32) == [0]


def test_rgb_and_rgbir_from_the_archives(tmp_path):
    zips = {osp.basename(p)[:-4]: p for p in make_raw(str(tmp_path / 'raw'))}
    proc = subprocess.run(
        [sys.executable, 'tools/dataset_converters/potsdam.py', '--src',
         zips['2_Ortho_RGB'], zips['5_Labels_all_noBoundary'], '--out',
         str(tmp_path / 'rgb'), '--clip', '64', '--stride', '64'],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout + proc.stderr
    assert 'train: tiles 2, clips 32' in out and 'val: tiles 1, clips 16' \
        in out
    names = sorted(os.listdir(tmp_path / 'rgb/img_dir/train'))
    assert names[0] == '2_10_0_0_64_64.png' and len(names) == 32
    assert sorted(os.listdir(tmp_path / 'rgb/ann_dir/train')) == names
    # the (252, 255, 0) cars of tile 6_7 are cars (5)
    with rasterio.open(f'/vsizip/{zips["5_Labels_all_noBoundary"]}/'
                       f'5_Labels_all_noBoundary/'
                       f'top_potsdam_6_7_label_noBoundary.tif') as src:
        raw = src.read()
    cars = (raw[0] == 252) & (raw[1] == 255) & (raw[2] == 0)
    y, x = np.argwhere(cars)[0]
    y0 = max(s for s in clip_windows(200, 64, 64) if s <= y)
    x0 = max(s for s in clip_windows(200, 64, 64) if s <= x)
    label = cv2.imread(
        str(tmp_path / f'rgb/ann_dir/train/6_7_{x0}_{y0}_{x0 + 64}_'
                       f'{y0 + 64}.png'), cv2.IMREAD_UNCHANGED)
    assert set(np.unique(label)) <= set(range(7))
    window = cars[y0:y0 + 64, x0:x0 + 64]
    assert window.any() and (label[window] == 5).all()
    img = cv2.imread(str(tmp_path / 'rgb/img_dir/val/2_13_136_136_200_200'
                         '.png'))
    assert img.shape == (64, 64, 3)
    convert_potsdam([zips['4_Ortho_RGBIR'], zips['5_Labels_all']],
                    str(tmp_path / 'rgbir'), clip=64, stride=64, rgbir=True,
                    boundary=True)
    with rasterio.open(tmp_path / 'rgbir/img_dir/train/2_10_0_0_64_64.tif') \
            as src:
        assert src.count == 4 and src.descriptions == ('R', 'G', 'B', 'NIR')


def test_errors(tmp_path):
    zips = {osp.basename(p)[:-4]: p for p in make_raw(str(tmp_path / 'raw'))}
    with pytest.raises(FileNotFoundError, match='image or a .* label but '
                       'not both'):
        convert_potsdam([zips['2_Ortho_RGB']], str(tmp_path / 'o1'))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='no top_potsdam_'):
        convert_potsdam([str(tmp_path / 'empty')], str(tmp_path / 'o2'))
    (tmp_path / 'o3').mkdir()
    (tmp_path / 'o3' / 'x').write_text('keep')
    with pytest.raises(FileExistsError, match='not empty'):
        convert_potsdam(list(zips.values()), str(tmp_path / 'o3'))
