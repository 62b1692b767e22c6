"""Synthetic remote-sensing data for the demo, benchmarks and tests: a
Potsdam-like landscape (roads, buildings, grass, trees, cars) with its
labels, written as mmseg-layout training clips and as georeferenced
GeoTIFF scenes (window by window, so scenes larger than memory can be
made)."""
import os
import os.path as osp
from typing import Callable, Optional, Tuple

import cv2
import numpy as np

#: Potsdam label values (ISPRS colours converted as
#: tools/dataset_converters/potsdam.py writes them; 0 is the boundary)
IMPERVIOUS, BUILDING, LOW_VEGETATION, TREE, CAR, CLUTTER = range(1, 7)
#: mean RGB colour of each label and the noise around it
COLOURS = {
    IMPERVIOUS: (150, 150, 145),
    BUILDING: (175, 80, 60),
    LOW_VEGETATION: (150, 185, 90),
    TREE: (35, 90, 40),
    CAR: (40, 60, 200),
    CLUTTER: (230, 200, 40),
}
NOISE = 12.


def potsdam_like(rng: np.random.Generator, height: int,
                 width: int) -> Tuple[np.ndarray, np.ndarray]:
    """A landscape ``(h, w, 3)`` uint8 RGB and its labels ``(h, w)`` uint8
    (Potsdam values 1-6): grass crossed by roads, with buildings, trees,
    cars on the roads and some clutter. Objects are 10-60 pixels (5 cm
    Potsdam pixels seen at about 25 cm)."""
    labels = np.full((height, width), LOW_VEGETATION, np.uint8)
    for _ in range(max(1, (height + width) // 160)):  # roads
        wide = int(rng.integers(10, 18))
        if rng.random() < 0.5:
            y = int(rng.integers(0, height))
            labels[max(0, y - wide // 2):y + wide // 2] = IMPERVIOUS
        else:
            x = int(rng.integers(0, width))
            labels[:, max(0, x - wide // 2):x + wide // 2] = IMPERVIOUS
    area = height * width
    for _ in range(area // 6000):  # buildings, off the roads
        h, w = rng.integers(16, 60, 2)
        y, x = rng.integers(0, (max(1, height - h), max(1, width - w)))
        block = labels[y:y + h, x:x + w]
        if (block == IMPERVIOUS).mean() < 0.2:
            block[...] = BUILDING
    crowns = np.zeros_like(labels)
    for _ in range(area // 5000):  # trees, on grass
        y, x = rng.integers(0, (height, width))
        cv2.circle(crowns, (int(x), int(y)), int(rng.integers(5, 14)), 1,
                   -1)
    labels[(crowns > 0) & (labels == LOW_VEGETATION)] = TREE
    roads = np.argwhere(labels == IMPERVIOUS)
    for y, x in roads[rng.permutation(len(roads))[:area // 3000]]:
        h, w = (10, 20) if rng.random() < 0.5 else (20, 10)
        labels[y:y + h, x:x + w][labels[y:y + h, x:x + w] ==
                                 IMPERVIOUS] = CAR
    for _ in range(area // 40000):  # clutter
        y, x = rng.integers(0, (height, width))
        labels[y:y + 8, x:x + 8] = CLUTTER
    img = np.zeros((height, width, 3), np.float32)
    for value, colour in COLOURS.items():
        img[labels == value] = colour
    img += rng.normal(0, NOISE, img.shape)
    return img.clip(0, 255).astype(np.uint8), labels


def write_clips(root: str, split: str, count: int, size: int,
                rng: np.random.Generator) -> None:
    """``count`` clips of ``size`` pixels in mmseg's Potsdam layout:
    ``root/img_dir/split/*.png`` (RGB) and ``root/ann_dir/split/*.png``
    (labels 1-6)."""
    for sub in ('img_dir', 'ann_dir'):
        os.makedirs(osp.join(root, sub, split), exist_ok=True)
    for i in range(count):
        img, labels = potsdam_like(rng, size, size)
        name = f'{split}_{i:04d}.png'
        cv2.imwrite(osp.join(root, 'img_dir', split, name), img[..., ::-1])
        cv2.imwrite(osp.join(root, 'ann_dir', split, name), labels)


def write_geotiff(path: str, width: int, height: int,
                  window: Callable[[int, int, int, int], np.ndarray],
                  crs: str = 'EPSG:32632',
                  origin: Tuple[float, float] = (368000., 5808000.),
                  resolution: float = 0.25, block: int = 1024,
                  descriptions: Optional[Tuple[str, ...]] = None) -> str:
    """A tiled, compressed uint8 GeoTIFF (UTM 32N near Potsdam by default)
    filled by ``window(x, y, w, h) -> (C, h, w)``, one block of rows at a
    time: a scene is never held whole."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window
    if osp.exists(path):
        raise FileExistsError(f'{path} exists; choose a new path')
    first = window(0, 0, min(width, 16), min(height, 16))
    profile = dict(driver='GTiff', width=width, height=height,
                   count=first.shape[0], dtype='uint8', crs=crs,
                   transform=from_origin(*origin, resolution, resolution),
                   compress='deflate', tiled=True, blockxsize=256,
                   blockysize=256)
    with rasterio.open(path, 'w', **profile) as dst:
        for y in range(0, height, block):
            for x in range(0, width, block):
                w, h = min(block, width - x), min(block, height - y)
                dst.write(window(x, y, w, h), window=Window(x, y, w, h))
        for i, name in enumerate(descriptions or (), 1):
            dst.set_band_description(i, name)
    return path


def landscape_windows(seed: int) -> Callable:
    """``window(x, y, w, h)`` for :func:`write_geotiff`: a Potsdam-like
    landscape per window (windows are independent; seeded by position)."""

    def window(x, y, w, h):
        rng = np.random.default_rng([seed, x, y])
        return potsdam_like(rng, h, w)[0].transpose(2, 0, 1)

    return window
