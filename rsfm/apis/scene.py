"""Whole scenes in, georeferenced results out: dense (segmentation and
change) inference on rasters of any size and band count.

A scene is read window by window through rasterio and never held whole.
Tiles of ``tile`` pixels overlapping by ``overlap`` cover it (the windows of
the DOTA splitter); each tile's logits are weighted by a ramp that falls
towards the tile's borders and blended with its neighbours' before the
argmax, so tile seams do not show. The scene is processed in square chunks
of ``chunk`` pixels: a chunk's output receives the blended logits of every
tile that overlaps it (tiles across a chunk border are run for both chunks),
so the result does not depend on ``chunk`` and memory does not grow with
the scene. Class maps are written chunk by chunk as a tiled, compressed
GeoTIFF with the input's CRS and transform.
"""
import os.path as osp
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import rasterio
import torch
from rasterio.windows import Window

from rsfm.datasets.dota_split import sliding_windows
from rsfm.utils.atomic import atomic_output

#: first transforms of test pipelines that read 8-bit RGB as BGR (cv2)
RGB_LOADERS = ('rsfm.LoadRGBImage', 'LoadImageFromFile',
               'rsfm.MultiImgLoadImageFromFile')
#: first transforms that read named bands through rasterio
BAND_LOADERS = ('rsfm.LoadMultiBandImage', 'rsfm.MultiImgLoadMultiBandImage')
#: band names of an RGB model, to pick its bands from a file that has more
RGB = ('R', 'G', 'B')
#: GDAL's block cache while a scene is processed (MB). GDAL's default (5% of
#: RAM) keeps decoded blocks of the scene and of the output, so memory would
#: grow with the scene up to that share.
GDAL_CACHE_MB = 64


@dataclass
class BandPlan:
    """Which bands of a file feed the model, in the model's order."""
    indexes: List[int]  # 1-based rasterio band indexes
    names: Tuple[str, ...]
    bgr: bool  # reversed after reading (the model was fed cv2's BGR)


def loader_of(cfg) -> dict:
    """The loading transform of the config's test pipeline (the scene is
    read as the model was tested)."""
    pipeline = cfg.test_dataloader.dataset.get('pipeline', [])
    if not pipeline:
        raise ValueError('the config has no test_dataloader pipeline: its '
                         'first transform says how to read the bands')
    loader = dict(pipeline[0])
    if loader['type'] not in RGB_LOADERS + BAND_LOADERS:
        raise ValueError(f'the test pipeline starts with {loader["type"]}; '
                         f'scene inference reads like one of '
                         f'{RGB_LOADERS + BAND_LOADERS}')
    return loader


def plan_bands(src, path: str, loader: dict,
               file_bands: Optional[Sequence[str]] = None) -> BandPlan:
    """Match the file's bands to the model's: by the file's band
    descriptions, or by ``file_bands`` (names of the file's bands in file
    order: the explicit mapping for files without descriptions).

    An RGB model (an 8-bit RGB loader) takes a 3-band file as it is, or the
    bands named R, G and B of a file with more. A multi-band model takes the
    bands its loader names (``bands=``), or all of the file's bands if its
    loader names none.

    Raises:
        ValueError: naming the file, the bands it has and those expected.
    """
    names = tuple(file_bands) if file_bands else None
    if names is not None and len(names) != src.count:
        raise ValueError(f'{path} has {src.count} bands but --bands names '
                         f'{len(names)}: {names}')
    if names is None and all(src.descriptions):
        names = tuple(src.descriptions)
    if names is None and loader.get('file_bands'):
        names = tuple(loader['file_bands'])
        if len(names) != src.count:
            raise ValueError(f'{path} has {src.count} bands, the config\'s '
                             f'file_bands name {len(names)}: {names}')
    if loader['type'] in RGB_LOADERS:
        if src.count == 3 and (names is None or set(names) != set(RGB)):
            return BandPlan([1, 2, 3], names or RGB, bgr=True)
        wanted = RGB
    else:
        wanted = loader.get('bands')
        if wanted is None:
            return BandPlan(list(range(1, src.count + 1)),
                            names or tuple(f'band{i}' for i in
                                           range(1, src.count + 1)), False)
        wanted = tuple(wanted)
    if names is None:
        raise ValueError(
            f'{path}: its {src.count} bands have no descriptions, and the '
            f'model reads the bands {wanted}; name the file\'s bands in file '
            f'order with --bands (bands=...), e.g. '
            f'{",".join(f"b{i}" for i in range(1, src.count + 1))}')
    missing = [b for b in wanted if b not in names]
    if missing:
        raise ValueError(f'{path} has no band(s) {missing} that the model '
                         f'reads; its bands are {names}')
    return BandPlan([names.index(b) + 1 for b in wanted], wanted,
                    bgr=loader['type'] in RGB_LOADERS)


class Scene:
    """A raster opened for windowed reading of the model's bands."""

    def __init__(self, path: str, loader: dict,
                 file_bands: Optional[Sequence[str]] = None):
        if not osp.isfile(path):
            raise FileNotFoundError(f'scene {path} does not exist')
        try:
            self.src = rasterio.open(path)
        except rasterio.errors.RasterioIOError as e:
            raise ValueError(f'cannot read scene {path}: {e}') from None
        self.path = path
        self.plan = plan_bands(self.src, path, loader, file_bands)
        self.width, self.height = self.src.width, self.src.height

    @property
    def crs(self):
        return self.src.crs

    @property
    def transform(self):
        return self.src.transform

    def read(self, window: Sequence[int]) -> np.ndarray:
        """``(h, w, C)`` float32 of the window ``(x1, y1, x2, y2)`` (inside
        the scene), the model's bands in its order."""
        x1, y1, x2, y2 = (int(v) for v in window)
        data = self.src.read(self.plan.indexes,
                             window=Window(x1, y1, x2 - x1, y2 - y1))
        if self.plan.bgr:
            data = data[::-1]
        return np.ascontiguousarray(data.transpose(1, 2, 0),
                                    dtype=np.float32)

    def close(self) -> None:
        self.src.close()


def check_same_footprint(a: Scene, b: Scene) -> None:
    """Both dates of a change-detection pair cover the same ground on the
    same grid."""
    if (a.width, a.height) != (b.width, b.height):
        raise ValueError(f'{a.path} is {a.width}x{a.height} but {b.path} is '
                         f'{b.width}x{b.height}: the two dates must cover '
                         f'the same grid')
    if a.crs != b.crs or not a.transform.almost_equals(b.transform):
        raise ValueError(f'{a.path} and {b.path} differ in CRS or transform '
                         f'({a.crs} {tuple(a.transform)[:6]} vs {b.crs} '
                         f'{tuple(b.transform)[:6]}): reproject one onto '
                         f'the other\'s grid first')
    if a.plan.names != b.plan.names:
        raise ValueError(f'{a.path} gives bands {a.plan.names} but {b.path} '
                         f'gives {b.plan.names}')


def tile_windows(width: int, height: int, tile: int,
                 overlap: int) -> np.ndarray:
    """``(N, 4)`` windows ``(x1, y1, x2, y2)`` of ``tile`` pixels stepping
    by ``tile - overlap``, the last of each row and column moved back to end
    at the border; in a scene narrower than a tile the windows shrink to
    it."""
    if not tile > overlap >= 0:
        raise ValueError(f'tile {tile} must exceed overlap {overlap} >= 0')
    windows = sliding_windows(width, height, [tile], [overlap], 0.)
    windows[:, 2] = windows[:, 2].clip(max=width)
    windows[:, 3] = windows[:, 3].clip(max=height)
    return windows


def check_new(paths: Iterable[str]) -> None:
    """Raise if any of ``paths`` exists (outputs are never overwritten)."""
    for path in paths:
        if osp.exists(path):
            raise FileExistsError(f'{path} exists; choose a new output')


def ramp(length: int, overlap: int) -> np.ndarray:
    """Blending weights along one side of a tile: rising linearly over
    ``overlap // 2`` pixels from each border to 1 (always > 0)."""
    width = max(1, overlap // 2)
    i = np.arange(length)
    return np.minimum(np.minimum(i + 1, length - i), width) / width


def tile_weight(height: int, width: int, overlap: int) -> np.ndarray:
    """``(height, width)`` float32 blending weights of a tile: the outer
    product of the ramps of its sides."""
    return np.outer(ramp(height, overlap), ramp(width, overlap)).astype(
        np.float32)


class ChunkAccumulator:
    """Weighted sums of tile logits over one chunk of the scene."""

    def __init__(self, box: Sequence[int], channels: int):
        self.x1, self.y1, self.x2, self.y2 = box
        shape = (self.y2 - self.y1, self.x2 - self.x1)
        self.sums = np.zeros((channels, ) + shape, np.float32)
        self.weights = np.zeros(shape, np.float32)

    def add(self, window: Sequence[int], logits: np.ndarray,
            weight: np.ndarray) -> None:
        """Add ``logits`` ``(C, h, w)`` of ``window`` where it overlaps the
        chunk."""
        x1, y1, x2, y2 = window
        ax1, ay1 = max(x1, self.x1), max(y1, self.y1)
        ax2, ay2 = min(x2, self.x2), min(y2, self.y2)
        if ax1 >= ax2 or ay1 >= ay2:
            return
        src = (slice(ay1 - y1, ay2 - y1), slice(ax1 - x1, ax2 - x1))
        dst = (slice(ay1 - self.y1, ay2 - self.y1),
               slice(ax1 - self.x1, ax2 - self.x1))
        self.sums[(slice(None), ) + dst] += logits[(slice(None), ) + src] * \
            weight[src]
        self.weights[dst] += weight[src]

    def blended(self) -> np.ndarray:
        """``(C, h, w)`` weighted mean of the logits, computed in place
        (the sums are consumed: call it once, when all tiles are in)."""
        self.sums /= self.weights
        return self.sums


def chunks_of(width: int, height: int, chunk: int) -> List[Tuple[int, ...]]:
    """Boxes ``(x1, y1, x2, y2)`` of ``chunk`` pixels covering the scene."""
    return [(x, y, min(x + chunk, width), min(y + chunk, height))
            for y in range(0, height, chunk) for x in range(0, width, chunk)]


def overlapping(windows: np.ndarray, box: Sequence[int]) -> np.ndarray:
    """The windows that overlap ``box``."""
    x1, y1, x2, y2 = box
    keep = (windows[:, 0] < x2) & (windows[:, 2] > x1) & \
        (windows[:, 1] < y2) & (windows[:, 3] > y1)
    return windows[keep]


def dense_tile_logits(model, tiles: List[np.ndarray]) -> List[np.ndarray]:
    """Logits ``(C, h, w)`` of each tile ``(h, w, C_in)`` (same sizes in
    one call) through the model's data preprocessor and ``predict`` (mmseg
    segmentors and rsfm's SiamEncoderDecoder)."""
    from mmseg.structures import SegDataSample
    inputs, samples = [], []
    for tile in tiles:
        h, w = tile.shape[:2]
        inputs.append(torch.from_numpy(tile.transpose(2, 0, 1).copy()))
        samples.append(SegDataSample(metainfo=dict(
            img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w))))
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=inputs,
                                            data_samples=samples), False)
        results = model.predict(data['inputs'], data['data_samples'])
    return [r.seg_logits.data.float().cpu().numpy() for r in results]


def to_classes(logits: np.ndarray, threshold: Optional[float]) -> np.ndarray:
    """Class map (uint8) of blended logits ``(C, h, w)``: argmax, or for a
    single channel ``sigmoid > threshold``."""
    if logits.shape[0] == 1:
        probability = 1. / (1. + np.exp(-logits[0]))
        return (probability > (0.5 if threshold is None else threshold)
                ).astype(np.uint8)
    return logits.argmax(axis=0).astype(np.uint8)


def output_profile(scene: Scene) -> dict:
    """A single-band uint8 GeoTIFF on the scene's grid, tiled and
    compressed (internal tiles only where the raster is large enough)."""
    profile = dict(driver='GTiff', width=scene.width, height=scene.height,
                   count=1, dtype='uint8', crs=scene.crs,
                   transform=scene.transform, compress='deflate')
    if scene.width >= 256 and scene.height >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    return profile


def dense_inference(model, scenes: Sequence[Scene], out_path: str,
                    tile: int = 512, overlap: int = 128, chunk: int = 2048,
                    batch_size: int = 4,
                    tile_logits: Callable = dense_tile_logits,
                    progress: Optional[Callable[[int, int], None]] = None
                    ) -> Dict[str, int]:
    """Blend tile logits over a scene (or a pair, concatenated by band) and
    write the class map to ``out_path`` (a new GeoTIFF, written to a
    temporary file and moved into place when complete).

    Args:
        model: An mmseg segmentor or rsfm change detector in eval mode.
        scenes: One scene, or both dates of a pair (same footprint).
        tile, overlap: Tile side and overlap in pixels.
        chunk: Side of the square chunks processed at a time (memory grows
            with ``chunk**2 * classes``, not with the scene).
        batch_size: Tiles per forward.
        tile_logits: ``(model, tiles) -> [logits (C, h, w)]``.
        progress: Called with ``(tiles done, tiles total)``.

    Returns:
        ``dict(tiles=..., chunks=...)``: forwards run and chunks written.
    """
    check_new([out_path])
    if chunk < 1 or batch_size < 1:
        raise ValueError(f'chunk ({chunk}) and batch_size ({batch_size}) '
                         f'must be >= 1')
    first = scenes[0]
    for other in scenes[1:]:
        check_same_footprint(first, other)
    windows = tile_windows(first.width, first.height, tile, overlap)
    boxes = chunks_of(first.width, first.height, chunk)
    hits_of = [overlapping(windows, box) for box in boxes]
    total = sum(len(hits) for hits in hits_of)
    threshold = getattr(getattr(model, 'decode_head', None), 'threshold',
                        None)
    done = 0
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB), \
            atomic_output(osp.abspath(out_path)) as tmp:
        with rasterio.open(tmp, 'w', **output_profile(first)) as dst:
            for box, hits in zip(boxes, hits_of):
                accumulator = None
                # same-size tiles share a forward
                shapes = sorted({(w[3] - w[1], w[2] - w[0]) for w in hits})
                for shape in shapes:
                    group = [w for w in hits
                             if (w[3] - w[1], w[2] - w[0]) == shape]
                    weight = tile_weight(*shape, overlap)
                    for i in range(0, len(group), batch_size):
                        batch = group[i:i + batch_size]
                        tiles = [np.concatenate([s.read(w) for s in scenes],
                                                axis=2) for w in batch]
                        for window, logits in zip(
                                batch, tile_logits(model, tiles)):
                            if accumulator is None:
                                accumulator = ChunkAccumulator(
                                    box, logits.shape[0])
                            accumulator.add(window, logits, weight)
                        done += len(batch)
                        if progress is not None:
                            progress(done, total)
                classes = to_classes(accumulator.blended(), threshold)
                x1, y1, x2, y2 = box
                dst.write(classes[None], window=Window(x1, y1, x2 - x1,
                                                       y2 - y1))
    return dict(tiles=done, chunks=len(boxes))
