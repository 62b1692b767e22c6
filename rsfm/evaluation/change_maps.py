"""Writing change maps: 0/255 PNG, or GeoTIFF on the grid of the input."""
import os.path as osp
from typing import Optional

import cv2
import numpy as np
import rasterio

from rsfm.utils.atomic import atomic_output

GEOTIFF = ('.tif', '.tiff')


def is_georeferenced(path: str) -> bool:
    """Whether ``path`` is a raster with a coordinate reference system."""
    if not path.lower().endswith(GEOTIFF):
        return False
    with rasterio.open(path) as src:
        return src.crs is not None


def _read_map(path: str) -> np.ndarray:
    if path.endswith('.tif'):
        with rasterio.open(path) as src:
            return src.read(1)
    return cv2.imread(path, cv2.IMREAD_UNCHANGED)


def write_change_map(out_stem: str, change: np.ndarray,
                     reference: Optional[str] = None) -> str:
    """Write a ``(H, W)`` change map (0 unchanged, 1 changed) as 0/255.

    With a georeferenced ``reference`` image of the same size the map is a
    GeoTIFF (``out_stem + '.tif'``, LZW) with its CRS and transform;
    otherwise a PNG. An existing file is never overwritten: one with the
    same map is left as it is (distributed testing pads the last batch with
    repeated pairs), one with another map is an error.

    Returns:
        The path written.
    """
    change = np.asarray(change)
    if change.ndim != 2:
        raise ValueError(f'a change map is (H, W), got {change.shape}')
    values = (change > 0).astype(np.uint8) * 255
    geo = reference is not None and is_georeferenced(reference)
    path = out_stem + ('.tif' if geo else '.png')
    if osp.exists(path):
        if np.array_equal(_read_map(path), values):
            return path
        raise FileExistsError(f'{path} exists with another map; change maps '
                              f'never overwrite (two test pairs with one '
                              f'name?)')
    with atomic_output(path) as tmp:
        if geo:
            with rasterio.open(reference) as src:
                if (src.height, src.width) != values.shape:
                    raise ValueError(
                        f'the change map is {values.shape} but its '
                        f'reference {reference} is '
                        f'{(src.height, src.width)}')
                profile = dict(driver='GTiff', height=src.height,
                               width=src.width, count=1, dtype='uint8',
                               crs=src.crs, transform=src.transform,
                               compress='lzw')
            with rasterio.open(tmp, 'w', **profile) as dst:
                dst.write(values, 1)
                dst.set_band_description(1, 'change (255) / no change (0)')
        elif not cv2.imwrite(tmp, values):
            raise OSError(f'cannot write {path}')
    return path
