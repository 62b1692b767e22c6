"""N-band data through every host: the rasterio loading transform, and a
4-band Oriented R-CNN (mmrotate) training step from GeoTIFF files."""
import glob
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import rasterio
import torch

from rsfm.datasets import LoadMultiBandImage
from rsfm.models.data_preprocessors.det import MultiBandDetDataPreprocessor
from tests.test_configs import one_training_step
from tests.tiny import CONFIGS, tiny_config

RGBN = ('R', 'G', 'B', 'NIR')


def _write(path, array, descriptions=None, dtype='uint16'):
    with rasterio.open(path, 'w', driver='GTiff', width=array.shape[2],
                       height=array.shape[1], count=array.shape[0],
                       dtype=dtype) as dst:
        dst.write(array.astype(dtype))
        for i, name in enumerate(descriptions or (), start=1):
            dst.set_band_description(i, name)


def test_bands_by_description_and_dtype_kept(tmp_path):
    data = np.arange(3 * 4 * 5).reshape(3, 4, 5) * 1000  # beyond 8 bits
    _write(tmp_path / 's2.tif', data, ('B02', 'B03', 'B04'))
    out = LoadMultiBandImage(bands=('B04', 'B02'))(
        dict(img_path=str(tmp_path / 's2.tif')))
    assert out['img'].shape == (4, 5, 2) and out['img'].dtype == np.uint16
    np.testing.assert_array_equal(out['img'][..., 0], data[2])
    np.testing.assert_array_equal(out['img'][..., 1], data[0])
    assert out['bands'] == ('B04', 'B02') and out['img_shape'] == (4, 5)
    everything = LoadMultiBandImage(to_float32=True)(
        dict(img_path=str(tmp_path / 's2.tif')))
    assert everything['bands'] == ('B02', 'B03', 'B04')
    assert everything['img'].dtype == np.float32


def test_bands_named_by_file_bands_and_errors(tmp_path):
    _write(tmp_path / 'rgbn.tif', np.ones((4, 2, 2)), dtype='uint8')
    out = LoadMultiBandImage(bands=('NIR', 'R'), file_bands=RGBN)(
        dict(img_path=str(tmp_path / 'rgbn.tif')))
    assert out['bands'] == ('NIR', 'R')
    with pytest.raises(ValueError, match='rgbn.tif: its 4 bands have no '
                       'descriptions; give file_bands'):
        LoadMultiBandImage(bands=('R', ))(
            dict(img_path=str(tmp_path / 'rgbn.tif')))
    with pytest.raises(ValueError, match=r"rgbn.tif has no band\(s\) "
                       r"\['SWIR'\]"):
        LoadMultiBandImage(bands=('SWIR', ), file_bands=RGBN)(
            dict(img_path=str(tmp_path / 'rgbn.tif')))
    with pytest.raises(ValueError, match='rgbn.tif has 4 bands but '
                       'file_bands names 3'):
        LoadMultiBandImage(file_bands=RGBN[:3])(
            dict(img_path=str(tmp_path / 'rgbn.tif')))
    (tmp_path / 'broken.tif').write_bytes(b'II*\x00garbage')
    with pytest.raises(ValueError, match='cannot read image .*broken.tif'):
        LoadMultiBandImage()(dict(img_path=str(tmp_path / 'broken.tif')))


@pytest.fixture(scope='module')
def dota_rgbn(dota_split, tmp_path_factory):
    """The split DOTA fixture as 4-band GeoTIFFs (R, G, B, NIR)."""
    root = str(tmp_path_factory.mktemp('dota_rgbn'))
    src = osp.join(dota_split, 'trainval')
    dst = osp.join(root, 'trainval')
    shutil.copytree(osp.join(src, 'annfiles'), osp.join(dst, 'annfiles'))
    os.makedirs(osp.join(dst, 'images'))
    for png in glob.glob(osp.join(src, 'images', '*.png')):
        rgb = cv2.imread(png)[..., ::-1].transpose(2, 0, 1)
        nir = rgb[1:2] // 2 + 60
        name = osp.basename(png)[:-4] + '.tif'
        _write(osp.join(dst, 'images', name), np.concatenate([rgb, nir]),
               dtype='uint8')
    return root


def test_four_band_oriented_rcnn_trains_a_step(dota_rgbn, roots):
    """The shipped DOTA config with 4 bands: rasterio loading, per-band
    normalisation in rsfm.MultiBandDetDataPreprocessor, a 4-band stem."""
    path = next(p for p in CONFIGS if 'dota' in osp.basename(p))
    cfg = tiny_config(path, dict(roots, dota=dota_rgbn))
    cfg.model.data_preprocessor.update(
        type='rsfm.MultiBandDetDataPreprocessor',
        mean=[123.675, 116.28, 103.53, 127.5],
        std=[58.395, 57.12, 57.375, 64.0], bgr_to_rgb=False)
    cfg.model.backbone.update(in_channels=4, bands=RGBN)
    for loader in ('train_dataloader', 'val_dataloader'):
        dataset = cfg[loader].dataset
        dataset.img_suffix = 'tif'
        dataset.pipeline[0] = dict(type='rsfm.LoadMultiBandImage',
                                   file_bands=RGBN)
    one_training_step(cfg)


def test_multiband_det_preprocessor_checks_bands():
    pre = MultiBandDetDataPreprocessor(mean=[1.] * 4, std=[2.] * 4)
    out = pre(dict(inputs=[torch.full((4, 8, 8), 5, dtype=torch.uint8)],
                   data_samples=None))
    assert out['inputs'].shape == (1, 4, 8, 8)
    torch.testing.assert_close(out['inputs'], torch.full((1, 4, 8, 8), 2.))
    with pytest.raises(ValueError, match=r'normalises 4 bands .* shape '
                       r'\(3, 8, 8\)'):
        pre(dict(inputs=[torch.zeros(3, 8, 8)], data_samples=None))
    with pytest.raises(ValueError, match='bgr_to_rgb'):
        MultiBandDetDataPreprocessor(mean=[1.] * 4, std=[2.] * 4,
                                     bgr_to_rgb=True)
    with pytest.raises(ValueError, match='one per band'):
        MultiBandDetDataPreprocessor(mean=[1.] * 4, std=[2.] * 3)


def test_multiband_seg_and_selfsup_preprocessors():
    from rsfm.models.data_preprocessors.selfsup import \
        MultiBandSelfSupDataPreprocessor
    from rsfm.models.data_preprocessors.seg import \
        MultiBandSegDataPreProcessor
    seg = MultiBandSegDataPreProcessor(mean=[0.] * 12, std=[2.] * 12)
    out = seg(dict(inputs=[torch.full((12, 8, 8), 4.)], data_samples=None))
    torch.testing.assert_close(out['inputs'], torch.full((1, 12, 8, 8), 2.))
    ssl = MultiBandSelfSupDataPreprocessor(mean=[0.] * 12, std=[4.] * 12)
    out = ssl(dict(inputs=[torch.full((2, 12, 8, 8), 4.)],
                   data_samples=None))
    torch.testing.assert_close(out['inputs'][0],
                               torch.full((2, 12, 8, 8), 1.))
