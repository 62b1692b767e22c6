import os

import numpy as np
import pytest
import rasterio

from rsfm.datasets.bigearthnet_convert import (BIGEARTHNET_BANDS,
                                               convert_bigearthnet)
from tests.data.bigearthnet.data import PATCHES, make_bigearthnet


def test_patches_to_12_band_geotiffs(tmp_path):
    src = make_bigearthnet(str(tmp_path / 'raw'))
    out = tmp_path / 'bigearthnet'
    summary = convert_bigearthnet(src, str(out))
    assert '2 patches' in summary
    assert sorted(os.listdir(out)) == sorted(p + '.tif' for p in PATCHES)
    patch = PATCHES[0]
    with rasterio.open(out / f'{patch}.tif') as img:
        assert img.count == 12 and img.dtypes[0] == 'uint16'
        assert img.descriptions == BIGEARTHNET_BANDS
        assert img.shape == (24, 24) and img.crs.to_epsg() == 32632
        stack = img.read()
        transform = img.transform
    # 10 m bands as they are, on their own grid
    with rasterio.open(tmp_path / 'raw' / 'BigEarthNet-v1.0' / patch /
                       f'{patch}_B02.tif') as b02:
        np.testing.assert_array_equal(stack[1], b02.read(1))
        assert transform == b02.transform
    # 60 m bands resampled onto it, values within the band's range
    with rasterio.open(tmp_path / 'raw' / 'BigEarthNet-v1.0' / patch /
                       f'{patch}_B01.tif') as b01:
        raw = b01.read(1)
    assert raw.min() <= stack[0].min() and stack[0].max() <= raw.max()


def test_refuses_incomplete_patches_and_used_folders(tmp_path):
    src = make_bigearthnet(str(tmp_path / 'raw'))
    os.remove(os.path.join(src, PATCHES[1], f'{PATCHES[1]}_B8A.tif'))
    with pytest.raises(FileNotFoundError, match=f"{PATCHES[1]}.*'B8A'"):
        convert_bigearthnet(src, str(tmp_path / 'out'))
    assert not (tmp_path / 'out').exists()  # checked before any write
    used = tmp_path / 'used'
    used.mkdir()
    (used / 'keep.tif').write_bytes(b'x')
    with pytest.raises(FileExistsError, match='not empty'):
        convert_bigearthnet(src, str(used))
    with pytest.raises(FileNotFoundError, match='no BigEarthNet-S2 patch'):
        convert_bigearthnet(str(tmp_path / 'used'), str(tmp_path / 'o2'))
