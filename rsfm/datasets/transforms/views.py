"""Transforms of the contrastive pretraining pipelines (CMID, GeRSP) that
mmpretrain lacks: views built by separate pipelines with their records kept,
crops that record where their cells lie, additive Gaussian noise, and a
colour jitter that works under numpy 2."""
import copy
import math
from typing import Dict, List, Sequence, Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform, Compose
from PIL import Image

from rsfm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomResizedCropWithGrid(BaseTransform):
    """A random resized crop and horizontal flip that records the centres
    of the output's ``grid_stride`` cells in the input frame: ``results
    ['grid']`` ``(N, N, 2)`` (row, col) float32 with ``N = size //
    grid_stride`` (CMID's ``RandomResizedCropWithLocation`` +
    ``HorizontalFlipIfTrue`` + ``_location_to_NxN_grid``). Two views'
    grids locate the same ground in both.

    The crop is drawn as torchvision's (and albumentations'): up to
    ``max_attempts`` (area share, log aspect ratio) draws, then a centre
    crop of the closest allowed ratio.

    Args:
        size: Output side.
        crop_ratio_range: Range of the crop's share of the image area
            (CMID: 0.3-1).
        aspect_ratio_range: Range of the crop's width / height.
        flip_prob: Probability of a horizontal flip; a flipped view's grid
            columns are mirrored.
        grid_stride: Output pixels per cell (32: the backbone's last
            stride).
        interpolation: Resize interpolation (CMID: bilinear).
        max_attempts: Draws before the centre-crop fallback.
        official_offsets: NOTE: CMID records albumentations' fractional
            crop start (``i / (H - h)`` in [0, 1]) where the grid needs the
            pixel offset (``transform.py:97,146-147``), so its grids ignore
            where the crop lies; ``True`` reproduces that, the default uses
            the pixel offset.
    """

    def __init__(self, size: int = 224,
                 crop_ratio_range: Tuple[float, float] = (0.3, 1.0),
                 aspect_ratio_range: Tuple[float, float] = (3. / 4., 4. / 3.),
                 flip_prob: float = 0.5, grid_stride: int = 32,
                 interpolation: str = 'bilinear', max_attempts: int = 10,
                 official_offsets: bool = False):
        if size % grid_stride:
            raise ValueError(f'size {size} is not a multiple of grid_stride '
                             f'{grid_stride}')
        self.size, self.grid_stride = size, grid_stride
        self.crop_ratio_range = crop_ratio_range
        self.aspect_ratio_range = aspect_ratio_range
        self.flip_prob, self.interpolation = flip_prob, interpolation
        self.max_attempts = max_attempts
        self.official_offsets = official_offsets

    def crop_box(self, height: int, width: int) -> Tuple[int, int, int, int]:
        """``(top, left, crop height, crop width)``."""
        area = height * width
        low, high = (math.log(r) for r in self.aspect_ratio_range)
        for _ in range(self.max_attempts):
            target = np.random.uniform(*self.crop_ratio_range) * area
            ratio = math.exp(np.random.uniform(low, high))
            w = int(round(math.sqrt(target * ratio)))
            h = int(round(math.sqrt(target / ratio)))
            if 0 < w <= width and 0 < h <= height:
                return (np.random.randint(0, height - h + 1),
                        np.random.randint(0, width - w + 1), h, w)
        in_ratio = width / height
        if in_ratio < min(self.aspect_ratio_range):
            w = width
            h = int(round(w / min(self.aspect_ratio_range)))
        elif in_ratio > max(self.aspect_ratio_range):
            h = height
            w = int(round(h * max(self.aspect_ratio_range)))
        else:
            h, w = height, width
        return (height - h) // 2, (width - w) // 2, h, w

    def grid(self, top: float, left: float, h: int, w: int,
             flip: bool) -> np.ndarray:
        """``(N, N, 2)`` centres ``(top + (r + .5) h / N, left + (c + .5)
        w / N)``, columns mirrored when ``flip``."""
        n = self.size // self.grid_stride
        rows = top + (np.arange(n) + 0.5) * h / n
        cols = left + (np.arange(n) + 0.5) * w / n
        grid = np.stack(np.meshgrid(rows, cols, indexing='ij'), axis=-1)
        return (grid[:, ::-1] if flip else grid).astype(np.float32)

    def transform(self, results: dict) -> dict:
        img = results['img']
        height, width = img.shape[:2]
        top, left, h, w = self.crop_box(height, width)
        crop = img[top:top + h, left:left + w]
        out = mmcv.imresize(crop, (self.size, self.size),
                            interpolation=self.interpolation)
        flip = np.random.rand() < self.flip_prob
        if flip:
            out = mmcv.imflip(out, direction='horizontal')
        if self.official_offsets:
            top = top / (height - h + 1e-10)
            left = left / (width - w + 1e-10)
        results['img'] = np.ascontiguousarray(out)
        results['img_shape'] = out.shape[:2]
        results['grid'] = self.grid(top, left, h, w, flip)
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(size={self.size}, crop_ratio_range='
                f'{self.crop_ratio_range}, flip_prob={self.flip_prob}, '
                f'official_offsets={self.official_offsets})')


@TRANSFORMS.register_module()
class GaussNoise(BaseTransform):
    """Add zero-mean Gaussian noise of a variance drawn in ``var_limit``
    to every pixel and band of a uint8 image, clipped to [0, 255]
    (albumentations' ``GaussNoise``, as CMID's view pipeline uses it).

    Args:
        var_limit: Range of the variance (in squared 0-255 units).
        prob: Probability of applying it.
    """

    def __init__(self, var_limit: Tuple[float, float] = (10., 50.),
                 prob: float = 0.5):
        self.var_limit, self.prob = var_limit, prob

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        img = results['img']
        sigma = np.random.uniform(*self.var_limit)**0.5
        noise = np.random.normal(0., sigma, img.shape)
        out = np.clip(img.astype(np.float32) + noise, 0, 255)
        results['img'] = out.astype(img.dtype)
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(var_limit={self.var_limit}, '
                f'prob={self.prob})')


def _factor_range(value: float, name: str, center: float = 1.,
                  bound: float = None) -> Tuple[float, float]:
    if value < 0:
        raise ValueError(f'ColorJitter {name} must be >= 0, got {value}')
    low, high = center - value, center + value
    if bound is not None and not (-bound <= low and high <= bound):
        raise ValueError(f'ColorJitter {name} must be <= {bound}, got '
                         f'{value}')
    return max(low, 0.) if bound is None else low, high


def shift_hue(img: np.ndarray, factor: float) -> np.ndarray:
    """Rotate the hue of a uint8 BGR image by ``factor`` of a turn (in
    [-0.5, 0.5]), as torchvision and mmcv's ``adjust_hue`` (whose
    ``np.uint8(negative)`` fails under numpy 2)."""
    pil = Image.fromarray(np.ascontiguousarray(img[..., ::-1]), mode='RGB')
    h, s, v = pil.convert('HSV').split()
    shifted = (np.asarray(h, dtype=np.int16) + int(factor * 255)) % 256
    h = Image.fromarray(shifted.astype(np.uint8), 'L')
    rgb = Image.merge('HSV', (h, s, v)).convert('RGB')
    return np.asarray(rgb, dtype=img.dtype)[..., ::-1]


@TRANSFORMS.register_module()
class ColorJitter(BaseTransform):
    """Random brightness, contrast, saturation and hue in a random order
    (torchvision's ``ColorJitter``, and mmpretrain's, whose hue step fails
    under numpy 2 for negative shifts) on uint8 BGR images: each factor is
    drawn uniformly from ``[1 - x, 1 + x]`` (hue: ``[-x, x]`` of a turn).

    Args:
        brightness, contrast, saturation: Jitter strengths (>= 0).
        hue: Hue jitter strength (0 to 0.5).
    """

    def __init__(self, brightness: float = 0., contrast: float = 0.,
                 saturation: float = 0., hue: float = 0.):
        self.ranges = (_factor_range(brightness, 'brightness'),
                       _factor_range(contrast, 'contrast'),
                       _factor_range(saturation, 'saturation'),
                       _factor_range(hue, 'hue', 0., 0.5))

    def transform(self, results: dict) -> dict:
        img = results['img']
        factors = [np.random.uniform(*r) for r in self.ranges]
        for index in np.random.permutation(4):
            factor = factors[index]
            if index == 0:
                img = mmcv.adjust_brightness(img, factor, backend='pillow')
            elif index == 1:
                img = mmcv.adjust_contrast(img, factor, backend='pillow')
            elif index == 2:
                img = mmcv.adjust_color(img, factor, backend='pillow')
            else:
                img = shift_hue(img, factor)
        results['img'] = img
        return results

    def __repr__(self):
        return f'{type(self).__name__}(ranges={self.ranges})'


@TRANSFORMS.register_module()
class ParallelViews(BaseTransform):
    """Views of one image by separate pipelines, with what each pipeline
    records kept: ``results['img']`` becomes the list of the views' images
    and, for every ``collect`` item ``key: name``, ``results[name]`` the
    stack of the views' ``key`` (mmpretrain's ``MultiView`` keeps the
    images only).

    Args:
        views: One pipeline (list of transform configs) per view.
        collect: Per-view records to keep, e.g. CMID's
            ``dict(mask='mask', grid='locations')``; a view that lacks one
            is an error.
    """

    def __init__(self, views: Sequence[List[dict]],
                 collect: Dict[str, str] = None):
        if not views:
            raise ValueError('ParallelViews needs at least one view pipeline')
        self.views = [Compose(view) for view in views]
        self.collect = dict(collect or {})

    def transform(self, results: dict) -> dict:
        outputs = [view(copy.deepcopy(results)) for view in self.views]
        results['img'] = [out['img'] for out in outputs]
        for key, name in self.collect.items():
            for i, out in enumerate(outputs):
                if key not in out:
                    raise KeyError(f'view {i} of ParallelViews recorded no '
                                   f'{key!r} (its pipeline: '
                                   f'{self.views[i]})')
            results[name] = np.stack([np.asarray(out[key])
                                      for out in outputs])
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(views={len(self.views)}, '
                f'collect={self.collect})')
