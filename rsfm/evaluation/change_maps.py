"""Writing change maps: 0/255 PNG, or GeoTIFF on the grid of the input."""
import logging
import os
import os.path as osp
from typing import Optional

import cv2
import numpy as np
import rasterio
from mmengine.logging import print_log

from rsfm.utils.atomic import atomic_output
from rsfm.utils.raster import is_geotiff


def is_georeferenced(path: str) -> bool:
    """Whether ``path`` is a GeoTIFF with a coordinate reference system."""
    if not is_geotiff(path):
        return False
    with rasterio.open(path) as src:
        return src.crs is not None


def _read(path: str) -> np.ndarray:
    if is_geotiff(path):
        with rasterio.open(path) as src:
            return src.read(1)
    return cv2.imread(path, cv2.IMREAD_UNCHANGED)


def write_once(path: str, img: np.ndarray,
               profile: Optional[dict] = None) -> str:
    """Write ``img`` (uint8; PNG with cv2, or a one-band GeoTIFF with
    rasterio and ``profile``) to ``path`` through :func:`atomic_output`,
    never over an existing file.

    An existing file with the same content is left as it is: distributed
    testing pads the last batch with repeated samples, which other ranks
    write again. One with other content is kept and a warning names it
    (ranks may differ in the last bit of a logit on a tie); the writers
    check that no two samples share a name.
    """
    if osp.exists(path):
        if not np.array_equal(_read(path), img):
            print_log(f'{path} exists with different content (a repeated '
                      f'sample predicted differently on another process?); '
                      f'the first file is kept', logger='current',
                      level=logging.WARNING)
        return path
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    with atomic_output(path) as tmp:
        if profile is not None:
            with rasterio.open(tmp, 'w', **profile) as dst:
                dst.write(img, 1)
                dst.set_band_description(1, 'change (255) / no change (0)')
        elif not cv2.imwrite(tmp, img):
            raise OSError(f'cannot write {path}')
    return path


def write_change_map(out_stem: str, change: np.ndarray,
                     reference: Optional[str] = None) -> str:
    """Write a ``(H, W)`` change map (0 unchanged, 1 changed) as 0/255.

    With a georeferenced ``reference`` image of the same size the map is a
    GeoTIFF (``out_stem + '.tif'``, LZW) with its CRS and transform;
    otherwise a PNG. Files are written by :func:`write_once`.

    Returns:
        The path written.
    """
    change = np.asarray(change)
    if change.ndim != 2:
        raise ValueError(f'a change map is (H, W), got {change.shape}')
    values = (change > 0).astype(np.uint8) * 255
    if reference is None or not is_georeferenced(reference):
        return write_once(out_stem + '.png', values)
    with rasterio.open(reference) as src:
        if (src.height, src.width) != values.shape:
            raise ValueError(f'the change map is {values.shape} but its '
                             f'reference {reference} is '
                             f'{(src.height, src.width)}')
        profile = dict(driver='GTiff', height=src.height, width=src.width,
                       count=1, dtype='uint8', crs=src.crs,
                       transform=src.transform, compress='lzw')
    return write_once(out_stem + '.tif', values, profile)
