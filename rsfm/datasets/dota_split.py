"""Split raw DOTA scenes into the patch layout mmrotate trains on.

The patch layout and naming follow mmrotate's ``tools/data/dota/split``
(dev-1.x), so that mmrotate's ``DOTAMetric`` merges patch results back into
scenes for the DOTA server:

- ``{out}/images/{scene}__{window}__{x}___{y}.png`` — a ``window``-pixel crop
  whose top-left corner is ``(x, y)`` in the scene, padded when the scene is
  smaller than the window; scales (``rates``) change the window size, not the
  pixels: ``window = int(size / rate)`` and the detector resizes;
- ``{out}/annfiles/{same name}.txt`` — objects in the split grammar (no header)
  whose area lies at least ``iof_thr`` inside the window, in patch
  coordinates; objects cut by the window border get difficulty ``2``; windows
  without objects get an empty file.
"""
import os
import os.path as osp
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from itertools import product
from math import ceil
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
import shapely
from PIL import Image
from mmengine.logging import print_log
from mmengine.utils import track_iter_progress, track_parallel_progress

from rsfm.utils.atomic import atomic_output
from .dota_labels import (DOTA_V1_CLASSES, DOTAObject, dump_dota_labels,
                          load_dota_labels)

IMG_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')
#: threads writing the patches of one scene
PATCH_THREADS = min(4, os.cpu_count() or 1)


def sliding_windows(width: int, height: int, sizes: Sequence[int],
                    gaps: Sequence[int],
                    img_rate_thr: float = 0.6) -> np.ndarray:
    """Windows ``(x1, y1, x2, y2)`` covering a ``width x height`` scene.

    Windows of each ``size`` step by ``size - gap``; the last one in a row or
    column is shifted back to end at the border. Windows whose part inside the
    scene is at most ``img_rate_thr`` of their area are dropped, unless no
    window passes, in which case the best-covered ones are kept.
    """
    windows = []
    for size, gap in zip(sizes, gaps):
        if not size > gap >= 0:
            raise ValueError(f'window size {size} must exceed gap {gap} >= 0')
        step = size - gap
        starts = []
        for length in (width, height):
            num = 1 if length <= size else ceil((length - size) / step + 1)
            start = [step * i for i in range(num)]
            if len(start) > 1 and start[-1] + size > length:
                start[-1] = length - size
            starts.append(start)
        start = np.array(list(product(*starts)), dtype=np.int64)  # (N, 2)
        windows.append(np.concatenate([start, start + size], axis=1))
    windows = np.concatenate(windows, axis=0)  # (N, 4)
    inside = windows.copy()
    inside[:, 0::2] = inside[:, 0::2].clip(0, width)
    inside[:, 1::2] = inside[:, 1::2].clip(0, height)
    rates = np.prod(inside[:, 2:] - inside[:, :2], axis=1) / \
        np.prod(windows[:, 2:] - windows[:, :2], axis=1)
    if not (rates > img_rate_thr).any():
        rates[np.abs(rates - rates.max()) < 0.01] = 1
    return windows[rates > img_rate_thr]


class SceneObjects:
    """The objects of one scene, prepared once for all its windows: corner
    arrays, their bounding boxes, and shapely 2 polygons with their areas
    (invalid ones repaired with ``buffer(0)``).

    Args:
        objects: The scene's objects.
    """

    def __init__(self, objects: List[DOTAObject]):
        self.objects = list(objects)
        points = np.array([o.poly for o in self.objects],
                          np.float64).reshape(-1, 4, 2)  # (N, 4, 2)
        self.points = points
        self.lower, self.upper = points.min(axis=1), points.max(axis=1)
        polygons = shapely.polygons(points)
        invalid = ~shapely.is_valid(polygons)
        polygons[invalid] = shapely.buffer(polygons[invalid], 0)
        self.polygons = polygons
        self.areas = shapely.area(polygons)  # (N, )

    def in_window(self, window: Sequence[int],
                  iof_thr: float = 0.7) -> List[DOTAObject]:
        """Objects that belong to ``window``, in patch coordinates.

        An object belongs when at least ``iof_thr`` of its area is inside
        the window (intersection over foreground); one not wholly inside is
        marked difficulty 2 (truncated). Objects whose box lies inside the
        window have an iof of exactly 1 and are not clipped; only the
        objects the window border crosses are intersected (vectorised).

        NOTE: mmrotate's splitter clips every object and compares areas in
        float32, so it marks some objects wholly inside a window as
        truncated when their area is not representable in float32; rsfm
        does not (float64, and no clipping of objects inside).
        """
        x1, y1, x2, y2 = (int(v) for v in window)
        lower, upper = self.lower, self.upper
        touches = (upper[:, 0] > x1) & (lower[:, 0] < x2) & \
            (upper[:, 1] > y1) & (lower[:, 1] < y2)
        inside = touches & (lower[:, 0] >= x1) & (lower[:, 1] >= y1) & \
            (upper[:, 0] <= x2) & (upper[:, 1] <= y2)
        positive = self.areas > 0
        iof = np.zeros(len(self.objects))
        iof[inside & positive] = 1.
        crossed = np.flatnonzero(touches & ~inside & positive)
        if crossed.size:
            clipped = shapely.intersection(self.polygons[crossed],
                                           shapely.box(x1, y1, x2, y2))
            iof[crossed] = shapely.area(clipped) / self.areas[crossed]
        kept = []
        for i in np.flatnonzero(iof >= iof_thr):
            obj = self.objects[i]
            shifted = (self.points[i] - [x1, y1]).ravel()
            difficult = obj.difficult if iof[i] >= 1 - 1e-6 else 2
            kept.append(DOTAObject(shifted.tolist(), obj.category,
                                   difficult))
        return kept


def window_objects(objects: List[DOTAObject], window: Sequence[int],
                   iof_thr: float = 0.7) -> List[DOTAObject]:
    """Objects of a scene that belong to ``window`` (see
    :meth:`SceneObjects.in_window`; prepare a :class:`SceneObjects` once
    when cutting many windows of one scene)."""
    return SceneObjects(objects).in_window(window, iof_thr)


def _header_size(img_path: str) -> Optional[Tuple[int, int]]:
    """``(width, height)`` from the image header without decoding it, or
    None where Pillow cannot read the header (the scene is then decoded
    first)."""
    try:
        with Image.open(img_path) as header:
            return header.size
    except (OSError, ValueError):
        return None


def _decoded(reading, img_path: str) -> np.ndarray:
    img = reading.result()
    if img is None:
        raise ValueError(f'cannot read image {img_path}')
    return img


def split_scene(img_path: str,
                label_path: Optional[str],
                out_dir: str,
                sizes: Sequence[int],
                gaps: Sequence[int],
                img_rate_thr: float = 0.6,
                iof_thr: float = 0.7,
                padding_value: Sequence[int] = (104, 116, 124),
                save_ext: str = '.png') -> int:
    """Split one scene; return the number of patches written.

    The scene is decoded in one thread while the main thread cuts its
    labels into the windows (the size comes from the image header); the
    patches are then encoded and written by :data:`PATCH_THREADS` threads.
    Image decoding and encoding release the GIL.
    """
    scene = osp.splitext(osp.basename(img_path))[0]
    with ThreadPoolExecutor(max_workers=PATCH_THREADS) as pool:
        reading = pool.submit(cv2.imread, img_path, cv2.IMREAD_COLOR)
        try:
            size = _header_size(img_path)
            if size is None:  # no header reader for this format
                img = _decoded(reading, img_path)
                size = img.shape[1], img.shape[0]
            width, height = size
            windows = sliding_windows(width, height, sizes, gaps,
                                      img_rate_thr)
            names = [f'{scene}__{x2 - x1}__{x1}___{y1}'
                     for x1, y1, x2, y2 in windows.tolist()]
            if label_path is not None:
                objects = SceneObjects(load_dota_labels(label_path).objects)
                for name, window in zip(names, windows):
                    dump_dota_labels(
                        osp.join(out_dir, 'annfiles', name + '.txt'),
                        objects.in_window(window, iof_thr))
            img = _decoded(reading, img_path)
        except BaseException:
            reading.cancel()
            raise
        if img.shape[:2] != (height, width):
            raise ValueError(
                f'{img_path}: its header says {width}x{height} pixels but '
                f'it decodes to {img.shape[1]}x{img.shape[0]}')

        def write(name, window):
            x1, y1, x2, y2 = window.tolist()
            patch = img[y1:y2, x1:x2]
            if patch.shape[:2] != (y2 - y1, x2 - x1):
                padded = np.empty((y2 - y1, x2 - x1, 3), dtype=img.dtype)
                padded[...] = padding_value
                padded[:patch.shape[0], :patch.shape[1]] = patch
                patch = padded
            with atomic_output(osp.join(out_dir, 'images',
                                        name + save_ext)) as tmp:
                if not cv2.imwrite(tmp, patch):
                    raise OSError(
                        f'cannot write {name + save_ext} in {out_dir}')

        # the first error (naming the patch) cancels the windows not yet
        # started
        futures = [pool.submit(write, n, w) for n, w in zip(names, windows)]
        for future in futures:
            try:
                future.result()
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise
    return len(windows)


def find_scenes(img_dir: str, ann_dir: Optional[str]
                ) -> List[Tuple[str, Optional[str]]]:
    """``(image, label or None)`` pairs of a raw DOTA folder, sorted.

    Raises:
        FileNotFoundError: when ``img_dir`` has no image, or an image has no
            label file in ``ann_dir``.
    """
    names = sorted(
        f for f in os.listdir(img_dir)
        if osp.splitext(f)[1].lower() in IMG_EXTENSIONS)
    if not names:
        raise FileNotFoundError(
            f'no images ({", ".join(IMG_EXTENSIONS)}) in {img_dir}')
    pairs = []
    for name in names:
        label = None
        if ann_dir is not None:
            label = osp.join(ann_dir, osp.splitext(name)[0] + '.txt')
            if not osp.isfile(label):
                raise FileNotFoundError(
                    f'image {osp.join(img_dir, name)} has no label file '
                    f'{label}')
        pairs.append((osp.join(img_dir, name), label))
    return pairs


def check_split_args(sizes: Sequence[int], gaps: Sequence[int],
                     rates: Sequence[float], img_rate_thr: float,
                     iof_thr: float, padding_value: Sequence[int],
                     nproc: int = 1) -> None:
    """Raise ``ValueError`` naming the first option out of range."""
    if len(sizes) != len(gaps):
        raise ValueError(f'--sizes {list(sizes)} and --gaps {list(gaps)} pair '
                         f'up one by one: give as many gaps as sizes')
    for size, gap in zip(sizes, gaps):
        if not size > gap >= 0:
            raise ValueError(f'window size {size} must exceed its gap {gap} '
                             f'>= 0')
    if not rates or any(not r > 0 for r in rates):
        raise ValueError(f'--rates must be positive scale factors, got '
                         f'{list(rates)}')
    if not 0 <= img_rate_thr <= 1 or not 0 < iof_thr <= 1:
        raise ValueError(f'--img-rate-thr must be in [0, 1] and --iof-thr in '
                         f'(0, 1], got {img_rate_thr} and {iof_thr}')
    if len(padding_value) != 3 or any(not 0 <= v <= 255
                                      for v in padding_value):
        raise ValueError(f'--padding-value takes 3 values (B, G, R) in '
                         f'[0, 255], got {list(padding_value)}')
    if nproc < 1:
        raise ValueError(f'--nproc must be >= 1, got {nproc}')


def check_labels(scenes: List[Tuple[str, Optional[str]]],
                 classes: Sequence[str]) -> None:
    """Read every label file before anything is written: malformed lines
    (see :func:`load_dota_labels`) and categories outside ``classes`` are
    errors naming the file."""
    labels = [label for _, label in scenes if label is not None]
    for label in labels:
        for obj in load_dota_labels(label).objects:
            if obj.category not in classes:
                raise ValueError(
                    f'{label}: category {obj.category!r} is not one of '
                    f'the {len(classes)} classes {tuple(classes)}; pass '
                    f'--classes for another DOTA version')


def split_dota(scenes: List[Tuple[str, Optional[str]]],
               out_dir: str,
               sizes: Sequence[int] = (1024, ),
               gaps: Sequence[int] = (200, ),
               rates: Sequence[float] = (1.0, ),
               img_rate_thr: float = 0.6,
               iof_thr: float = 0.7,
               padding_value: Sequence[int] = (104, 116, 124),
               save_ext: str = '.png',
               nproc: int = 1,
               classes: Sequence[str] = DOTA_V1_CLASSES) -> int:
    """Split scenes into ``out_dir/images`` and ``out_dir/annfiles``.

    Options and all label files are checked first (see
    :func:`check_split_args`, :func:`check_labels`), so a bad value fails
    before any patch is written. Refuses to write into an ``out_dir`` that
    already holds patches, so an earlier split is never overwritten.
    ``annfiles`` is written only for labelled scenes. Returns the number of
    patches.
    """
    check_split_args(sizes, gaps, rates, img_rate_thr, iof_thr,
                     padding_value, nproc)
    check_labels(scenes, classes)
    labelled = any(label is not None for _, label in scenes)
    for sub in ('images', 'annfiles') if labelled else ('images', ):
        path = osp.join(out_dir, sub)
        if osp.isdir(path) and os.listdir(path):
            raise FileExistsError(
                f'{path} is not empty; choose a new output folder or remove '
                f'the old split first')
        os.makedirs(path, exist_ok=True)
    win_sizes = [int(size / rate) for rate in rates for size in sizes]
    win_gaps = [int(gap / rate) for rate in rates for gap in gaps]
    print_log(f'splitting {len(scenes)} scenes into windows {win_sizes} '
              f'(gaps {win_gaps}) under {out_dir}', logger='current')
    worker = partial(
        _split_scene_pair, out_dir=out_dir, sizes=win_sizes, gaps=win_gaps,
        img_rate_thr=img_rate_thr, iof_thr=iof_thr,
        padding_value=padding_value, save_ext=save_ext)
    if nproc > 1:
        counts = track_parallel_progress(worker, scenes, nproc)
    else:
        counts = [worker(s) for s in track_iter_progress(scenes)]
    total = int(sum(counts))
    print_log(f'wrote {total} patches to {out_dir}', logger='current')
    return total


def _split_scene_pair(scene: Tuple[str, Optional[str]], **kwargs) -> int:
    return split_scene(scene[0], scene[1], **kwargs)
