"""The LEVIR-CD, CDD and OSCD converters on raw-layout fixtures: the real
CLIs once each, the library functions for the details and the errors."""
import os
import os.path as osp
import shutil
import subprocess
import sys
import zipfile

import cv2
import numpy as np
import pytest
import rasterio

from rsfm.datasets.change_detection_convert import (SENTINEL2_13,
                                                    convert_cdd,
                                                    convert_levir_cd,
                                                    convert_oscd)
from tests.conftest import REPO
from tests.data.cdd.data import make_raw as make_cdd
from tests.data.levir_cd.data import make_raw as make_levir
from tests.data.oscd.data import make_raw as make_oscd


def _cli(name, *args):
    proc = subprocess.run(
        [sys.executable, f'tools/dataset_converters/{name}.py', *args],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def _files(root):
    return sorted(osp.relpath(osp.join(d, f), root)
                  for d, _, fs in os.walk(root) for f in fs)


def test_levir_cd_from_zips_and_from_folders(tmp_path):
    zips = make_levir(str(tmp_path / 'raw'), size=128)
    code, out = _cli('levir_cd', '--src', *zips, '--out',
                     str(tmp_path / 'a'), '--crop-size', '64')
    assert code == 0, out
    assert 'train: pairs 2, crops 8, whole no' in out
    assert '2/2, ' in out and 'ETA' in out  # progress per split
    files = _files(tmp_path / 'a')
    assert 'crop_64/train/A/train_1_1_0.png' in files
    assert 'whole/test/label/test_1.png' in files
    assert not any(f.startswith('whole/train') for f in files)
    assert len([f for f in files if f.startswith('crop_64/')]) == 3 * 16
    # whole images are the released files, byte for byte
    with zipfile.ZipFile(zips[2]) as zf:
        assert zf.read('A/test_1.png') == \
            (tmp_path / 'a/whole/test/A/test_1.png').read_bytes()
        full = cv2.imdecode(np.frombuffer(zf.read('B/test_1.png'),
                                          np.uint8), cv2.IMREAD_COLOR)
    crop = cv2.imread(str(tmp_path / 'a/crop_64/test/B/test_1_1_0.png'))
    np.testing.assert_array_equal(crop, full[64:128, 0:64])
    # the unpacked layout LEVIR-CD/{split}/{A,B,label} gives the same
    unpacked = tmp_path / 'LEVIR-CD'
    for path in zips:
        split = osp.basename(path)[:-4]
        zipfile.ZipFile(path).extractall(unpacked / split)
    convert_levir_cd([str(unpacked)], str(tmp_path / 'b'), crop_size=64)
    assert _files(tmp_path / 'b') == files
    for f in files:
        assert (tmp_path / 'a' / f).read_bytes() == \
            (tmp_path / 'b' / f).read_bytes(), f


def test_levir_cd_errors(tmp_path):
    zips = make_levir(str(tmp_path / 'raw'), size=128)
    (tmp_path / 'out').mkdir()
    (tmp_path / 'out' / 'keep.txt').write_text('user data')
    code, out = _cli('levir_cd', '--src', *zips, '--out',
                     str(tmp_path / 'out'))
    assert code != 0 and 'is not empty' in out
    assert (tmp_path / 'out' / 'keep.txt').read_text() == 'user data'
    with pytest.raises(ValueError, match='not a multiple of crop_size 96'):
        convert_levir_cd(zips, str(tmp_path / 'o1'), crop_size=96)
    broken = tmp_path / 'broken'
    zipfile.ZipFile(zips[1]).extractall(broken / 'val')
    os.remove(broken / 'val' / 'label' / 'val_1.png')
    with pytest.raises(FileNotFoundError, match=r"val_1 has no \['label'\]"):
        convert_levir_cd([str(broken)], str(tmp_path / 'o2'), crop_size=64)
    colour = np.zeros((128, 128, 3), np.uint8)
    colour[..., 1] = 255
    cv2.imwrite(str(broken / 'val' / 'label' / 'val_1.png'), colour)
    with pytest.raises(ValueError, match='val_1.png is a colour image'):
        convert_levir_cd([str(broken)], str(tmp_path / 'o3'), crop_size=64)


def test_cdd_skips_the_synthetic_part_and_thresholds_labels(tmp_path):
    archive = make_cdd(str(tmp_path / 'raw'))
    code, out = _cli('cdd', '--src', archive, '--out', str(tmp_path / 'o'))
    assert code == 0, out
    assert 'thresholded at 128' in out and 'train: pairs 3' in out
    files = _files(tmp_path / 'o')
    assert len(files) == 7 * 3 and not any('Model' in f for f in files)
    with zipfile.ZipFile(archive) as zf:
        top = 'ChangeDetectionDataset/Real/subset/val/'
        assert zf.read(top + 'A/00001.jpg') == \
            (tmp_path / 'o/val/A/00001.jpg').read_bytes()
        raw = cv2.imdecode(np.frombuffer(zf.read(top + 'OUT/00001.jpg'),
                                         np.uint8), cv2.IMREAD_GRAYSCALE)
    label = cv2.imread(str(tmp_path / 'o/val/label/00001.png'),
                       cv2.IMREAD_UNCHANGED)
    assert set(np.unique(raw)) - {0, 255}  # JPEG left values in between
    np.testing.assert_array_equal(label, np.where(raw >= 128, 255, 0))
    with pytest.raises(FileNotFoundError, match='no Real/subset'):
        convert_cdd(str(tmp_path / 'o'), str(tmp_path / 'o2'))


def test_oscd_resamples_onto_the_10m_grid(tmp_path):
    sources = make_oscd(str(tmp_path / 'raw'))
    code, out = _cli('oscd', '--src', *sources, '--out', str(tmp_path / 'o'))
    assert code == 0, out
    assert 'SpectralGPT class weights' in out
    assert _files(tmp_path / 'o') == [
        'test/A/brasilia.tif', 'test/B/brasilia.tif',
        'test/label/brasilia.png', 'train/A/abudhabi.tif',
        'train/A/beirut.tif', 'train/B/abudhabi.tif', 'train/B/beirut.tif',
        'train/label/abudhabi.png', 'train/label/beirut.png']
    images = osp.join(sources[0], 'beirut', 'imgs_1')
    b04 = next(f for f in os.listdir(images) if f.endswith('_B04.tif'))
    b01 = next(f for f in os.listdir(images) if f.endswith('_B01.tif'))
    with rasterio.open(tmp_path / 'o/train/A/beirut.tif') as out_src, \
            rasterio.open(osp.join(images, b04)) as ref, \
            rasterio.open(osp.join(images, b01)) as coarse:
        assert out_src.descriptions == SENTINEL2_13
        assert out_src.count == 13 and out_src.dtypes[0] == 'uint16'
        assert (out_src.crs, out_src.transform, out_src.shape) == \
            (ref.crs, ref.transform, ref.shape)
        assert out_src.tags()['ACQUISITION_DATE'] == '20150812'
        np.testing.assert_array_equal(out_src.read(4), ref.read(1))
        b01_60m = coarse.read(1)
    # B01 (60 m, 11 x 11) onto the 10 m grid: with nearest resampling each
    # 6 x 6 block holds its 60 m value
    convert_oscd(sources, str(tmp_path / 'nearest'), resampling='nearest')
    with rasterio.open(tmp_path / 'nearest/train/A/beirut.tif') as out_src:
        b01 = out_src.read(1)
    np.testing.assert_array_equal(b01[::6, ::6], b01_60m)
    np.testing.assert_array_equal(b01, np.kron(b01_60m, np.ones(
        (6, 6), np.uint16))[:66, :66])
    label = cv2.imread(str(tmp_path / 'o/train/label/beirut.png'),
                       cv2.IMREAD_UNCHANGED)
    assert label.shape == (66, 66) and set(np.unique(label)) == {0, 255}


def test_oscd_errors(tmp_path):
    sources = make_oscd(str(tmp_path / 'raw'))
    with pytest.raises(FileNotFoundError, match=r"test cities \['brasilia'"):
        convert_oscd(sources[:2], str(tmp_path / 'o1'))
    images = sources[0]
    b8a = next(f for f in os.listdir(osp.join(images, 'beirut', 'imgs_2'))
               if f.endswith('_B8A.tif'))
    os.remove(osp.join(images, 'beirut', 'imgs_2', b8a))
    with pytest.raises(FileNotFoundError,
                       match=r"beirut/imgs_2.* has no band file\(s\) "
                             r"\['B8A'\]"):
        convert_oscd(sources, str(tmp_path / 'o2'))
    shutil.rmtree(osp.join(images, 'beirut'))
    with pytest.raises(ValueError, match='resampling must be'):
        convert_oscd(sources, str(tmp_path / 'o3'), resampling='lanczos')
