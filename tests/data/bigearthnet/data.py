"""Seeded generator of a tiny BigEarthNet-S2 v1.0 as unpacked: one folder
per patch with one georeferenced GeoTIFF per band at its own resolution
(10 m: B02-B04, B08; 20 m: B05-B07, B8A, B11, B12; 60 m: B01, B09) and the
labels metadata, ``size`` 10 m pixels (the release: 120).

    python tests/data/bigearthnet/data.py OUT_DIR
"""
import json
import os
import os.path as osp
import sys

import numpy as np
import rasterio
from rasterio.transform import from_origin

RESOLUTION = {'B01': 60, 'B02': 10, 'B03': 10, 'B04': 10, 'B05': 20,
              'B06': 20, 'B07': 20, 'B08': 10, 'B8A': 20, 'B09': 60,
              'B11': 20, 'B12': 20}
PATCHES = ('S2A_MSIL2A_20170613T101031_0_45',
           'S2B_MSIL2A_20180204T94161_3_24')


def make_bigearthnet(root: str, size: int = 24, seed: int = 0) -> str:
    """Write the patches under ``root/BigEarthNet-v1.0``; return it."""
    rng = np.random.default_rng(seed)
    top = osp.join(root, 'BigEarthNet-v1.0')
    for k, patch in enumerate(PATCHES):
        folder = osp.join(top, patch)
        os.makedirs(folder)
        west, north = 500000. + 1200 * k, 4800000.
        for band, res in RESOLUTION.items():
            side = size * 10 // res
            data = rng.integers(1, 6000, (1, side, side), dtype=np.uint16)
            with rasterio.open(
                    osp.join(folder, f'{patch}_{band}.tif'), 'w',
                    driver='GTiff', width=side, height=side, count=1,
                    dtype='uint16', crs='EPSG:32632',
                    transform=from_origin(west, north, res, res)) as dst:
                dst.write(data)
        with open(osp.join(folder, f'{patch}_labels_metadata.json'),
                  'w') as f:
            json.dump({'labels': ['Pastures'], 'acquisition_date':
                       '2017-06-13 10:10:31'}, f)
    return top


if __name__ == '__main__':
    print(make_bigearthnet(sys.argv[1]))
