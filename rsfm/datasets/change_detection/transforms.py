"""Bitemporal transforms: ``results['img']`` is the list ``[date 1, date 2]``
of ``(H, W, C)`` arrays; geometric transforms draw one set of parameters and
apply it to both dates and the change map, photometric ones draw per date.

Names and keys are open-cd 1.x's (``MultiImg*``), so that its pipelines read
the same; the code is rsfm's (and reuses rsfm's and mmseg's single-image
transforms for each date).
"""
from typing import Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
import rasterio
import torch
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PhotoMetricDistortion
from mmseg.structures import SegDataSample

from rsfm.registry import TRANSFORMS
from rsfm.utils.raster import is_geotiff
from ..change_detection_convert import decode
from ..transforms.loading import LoadMultiBandImage, LoadRGBImage


def _store_dates(results: dict, imgs: Sequence[np.ndarray]) -> dict:
    """Put the dates' images and their shape into ``results``; both dates
    must have the same shape."""
    paths = results['img_path']
    if len(imgs) != 2:
        raise ValueError(f'a change-detection sample has two dates, got '
                         f'{len(imgs)} images: {paths}')
    if imgs[0].shape != imgs[1].shape:
        raise ValueError(
            f'the two dates differ in shape: {paths[0]} is '
            f'{imgs[0].shape}, {paths[1]} is {imgs[1].shape} (H, W, C); '
            f'co-register and crop them to one grid')
    results['img'] = list(imgs)
    results['img_shape'] = imgs[0].shape[:2]
    results['ori_shape'] = imgs[0].shape[:2]
    return results


@TRANSFORMS.register_module()
class MultiImgLoadImageFromFile(BaseTransform):
    """Load both dates of 8-bit RGB images (PNG, JPG) as
    :class:`rsfm.LoadRGBImage` does, BGR ``uint8``, refusing 16-bit or
    4-band files that would be silently changed.

    Required keys: ``img_path`` (two paths). Added keys: ``img`` (list of
    two ``(H, W, 3)``), ``img_shape``, ``ori_shape``.
    """

    def __init__(self, to_float32: bool = False,
                 backend_args: Optional[dict] = None):
        self.loader = LoadRGBImage(to_float32, backend_args)

    def transform(self, results: dict) -> dict:
        imgs = [self.loader.transform(dict(img_path=p))['img']
                for p in results['img_path']]
        return _store_dates(results, imgs)

    def __repr__(self):
        return f'{type(self).__name__}({self.loader!r})'


@TRANSFORMS.register_module()
class MultiImgLoadMultiBandImage(BaseTransform):
    """Load both dates through rasterio with named bands, as
    :class:`rsfm.LoadMultiBandImage` (any band count and dtype); both dates
    must give the same bands.

    Added keys: ``img`` (list of two ``(H, W, C)``), ``img_shape``,
    ``ori_shape``, ``bands``.

    Args:
        bands: Names of the bands to read, in the model's order.
        file_bands: Names of the files' bands, for files without band
            descriptions.
        to_float32: Cast to float32.
    """

    def __init__(self,
                 bands: Optional[Sequence[str]] = None,
                 file_bands: Optional[Sequence[str]] = None,
                 to_float32: bool = False):
        self.loader = LoadMultiBandImage(bands, file_bands, to_float32)

    def transform(self, results: dict) -> dict:
        loaded = [self.loader.transform(dict(img_path=p))
                  for p in results['img_path']]
        if loaded[0]['bands'] != loaded[1]['bands']:
            raise ValueError(
                f'the two dates have different bands: '
                f'{results["img_path"][0]} {loaded[0]["bands"]}, '
                f'{results["img_path"][1]} {loaded[1]["bands"]}')
        results['bands'] = loaded[0]['bands']
        return _store_dates(results, [r['img'] for r in loaded])

    def __repr__(self):
        return f'{type(self).__name__}({self.loader!r})'


def _read_label(path: str, backend_args: Optional[dict]) -> np.ndarray:
    """A one-band 8-bit label map ``(H, W)``: GeoTIFF through rasterio,
    PNG/JPG as the converters decode them (a colour map whose channels are
    equal is one band)."""
    if is_geotiff(path):
        try:
            with rasterio.open(path) as src:
                if src.count != 1:
                    raise ValueError(f'{path} has {src.count} bands; a '
                                     f'change map has one')
                return src.read(1)
        except rasterio.errors.RasterioIOError as e:
            raise ValueError(f'cannot read label {path}: {e}') from None
    return decode(fileio.get(path, backend_args=backend_args), path,
                  gray=True)


@TRANSFORMS.register_module()
class MultiImgLoadAnnotations(BaseTransform):
    """Load the change map of a pair into ``gt_seg_map`` ``(H, W)`` uint8.

    With the dataset's ``format_seg_map='to_binary'`` values < 128 become 0
    (unchanged) and the others 1 (changed): 0/255 maps, and JPEG-compressed
    ones (CDD), come out as 0/1. Without it the values must already be
    class indices or 255 (ignored). The map must match the images' shape.

    Args:
        backend_args: mmengine file backend arguments.
    """

    def __init__(self, backend_args: Optional[dict] = None):
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        path = results.get('seg_map_path')
        if path is None:
            raise KeyError(
                f'{results.get("img_path")} has no change map: the dataset '
                f'has no data_prefix.seg_map_path (unlabelled pairs); drop '
                f'MultiImgLoadAnnotations from its pipeline')
        if results.get('reduce_zero_label'):
            raise ValueError('reduce_zero_label does not apply to change '
                             'maps (0 is the unchanged class)')
        label = _read_label(path, self.backend_args)
        if results.get('format_seg_map') == 'to_binary':
            label = (label >= 128).astype(np.uint8)
        else:
            bad = [int(v) for v in np.unique(label) if v not in (0, 1, 255)]
            if bad:
                raise ValueError(
                    f'{path} holds values {bad[:8]}; expected 0 (unchanged), '
                    f'1 (changed) and 255 (ignored), or a dataset with '
                    f"format_seg_map='to_binary' for 0/255 maps")
            label = label.astype(np.uint8)
        if 'img_shape' in results and \
                label.shape != tuple(results['img_shape']):
            raise ValueError(
                f'change map {path} is {label.shape} but the images are '
                f'{tuple(results["img_shape"])} (H, W)')
        results['gt_seg_map'] = label
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results


def _seg_fields(results: dict):
    return results.get('seg_fields', [])


@TRANSFORMS.register_module()
class MultiImgRandomCrop(BaseTransform):
    """Crop both dates and the change map at one random window.

    As mmseg's ``RandomCrop``: with ``cat_max_ratio < 1`` up to 10 windows
    are drawn until no class covers more than that share of the (not
    ignored) pixels; images smaller than ``crop_size`` are cropped to their
    size.

    Args:
        crop_size: ``(h, w)`` or one int.
        cat_max_ratio: Largest share of one class in the crop.
        ignore_index: Label ignored by ``cat_max_ratio``.
    """

    def __init__(self, crop_size: Union[int, Tuple[int, int]],
                 cat_max_ratio: float = 1., ignore_index: int = 255):
        if isinstance(crop_size, int):
            crop_size = (crop_size, crop_size)
        if len(crop_size) != 2 or min(crop_size) <= 0:
            raise ValueError(f'crop_size must be positive (h, w), got '
                             f'{crop_size}')
        self.crop_size = tuple(crop_size)
        self.cat_max_ratio, self.ignore_index = cat_max_ratio, ignore_index

    def _window(self, results: dict) -> Tuple[int, int, int, int]:
        h, w = results['img'][0].shape[:2]
        ch, cw = min(self.crop_size[0], h), min(self.crop_size[1], w)
        y = np.random.randint(0, h - ch + 1)
        x = np.random.randint(0, w - cw + 1)
        return y, y + ch, x, x + cw

    def _balanced(self, results: dict, window) -> bool:
        if self.cat_max_ratio >= 1. or 'gt_seg_map' not in results:
            return True
        y1, y2, x1, x2 = window
        seg = results['gt_seg_map'][y1:y2, x1:x2]
        _, counts = np.unique(seg[seg != self.ignore_index],
                              return_counts=True)
        return len(counts) > 1 and \
            counts.max() / counts.sum() < self.cat_max_ratio

    def transform(self, results: dict) -> dict:
        window = self._window(results)
        for _ in range(9):
            if self._balanced(results, window):
                break
            window = self._window(results)
        y1, y2, x1, x2 = window
        results['img'] = [img[y1:y2, x1:x2] for img in results['img']]
        for key in _seg_fields(results):
            results[key] = results[key][y1:y2, x1:x2]
        results['img_shape'] = results['img'][0].shape[:2]
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(crop_size={self.crop_size}, '
                f'cat_max_ratio={self.cat_max_ratio})')


@TRANSFORMS.register_module()
class MultiImgRandomFlip(BaseTransform):
    """Flip both dates and the change map together.

    Args:
        prob: Probability of flipping.
        direction: ``'horizontal'``, ``'vertical'`` or ``'diagonal'``.
    """

    DIRECTIONS = ('horizontal', 'vertical', 'diagonal')

    def __init__(self, prob: float = 0.5, direction: str = 'horizontal'):
        if direction not in self.DIRECTIONS:
            raise ValueError(f'direction must be one of {self.DIRECTIONS}, '
                             f'got {direction!r}')
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob, self.direction = prob, direction

    def transform(self, results: dict) -> dict:
        flip = bool(np.random.rand() < self.prob)
        results['flip'] = flip
        results['flip_direction'] = self.direction if flip else None
        if flip:
            results['img'] = [mmcv.imflip(img, self.direction)
                              for img in results['img']]
            for key in _seg_fields(results):
                results[key] = mmcv.imflip(results[key], self.direction)
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'direction={self.direction!r})')


@TRANSFORMS.register_module()
class MultiImgRandomRotate(BaseTransform):
    """Rotate both dates and the change map by one random angle.

    Args:
        prob: Probability of rotating.
        degree: Angle range, ``d`` for ``(-d, d)`` or ``(min, max)``.
        pad_val: Image value outside the rotated image.
        seg_pad_val: Label value outside (ignored by the loss).
        center: Rotation centre (image centre if ``None``).
        auto_bound: Enlarge the image to keep all of it.
    """

    def __init__(self, prob: float, degree: Union[float, Tuple[float, float]],
                 pad_val: float = 0, seg_pad_val: int = 255,
                 center: Optional[Tuple[float, float]] = None,
                 auto_bound: bool = False):
        if isinstance(degree, (int, float)):
            if degree <= 0:
                raise ValueError(f'degree must be positive, got {degree}')
            degree = (-degree, degree)
        self.prob, self.degree = prob, tuple(degree)
        self.pad_val, self.seg_pad_val = pad_val, seg_pad_val
        self.center, self.auto_bound = center, auto_bound

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        angle = np.random.uniform(*self.degree)
        results['img'] = [
            mmcv.imrotate(img, angle, center=self.center,
                          border_value=self.pad_val,
                          auto_bound=self.auto_bound)
            for img in results['img']]
        for key in _seg_fields(results):
            results[key] = mmcv.imrotate(
                results[key], angle, center=self.center,
                border_value=self.seg_pad_val, auto_bound=self.auto_bound,
                interpolation='nearest')
        results['img_shape'] = results['img'][0].shape[:2]
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'degree={self.degree})')


@TRANSFORMS.register_module()
class MultiImgRandomRot90(BaseTransform):
    """Rotate both dates and the change map by 90, 180 or 270 degrees
    (counter-clockwise, drawn uniformly); lossless, unlike
    :class:`MultiImgRandomRotate`. With both flips it reaches all eight
    symmetries of the square.

    Args:
        prob: Probability of rotating.
    """

    def __init__(self, prob: float = 0.5):
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        k = np.random.randint(1, 4)
        results['img'] = [np.ascontiguousarray(np.rot90(img, k))
                          for img in results['img']]
        for key in _seg_fields(results):
            results[key] = np.ascontiguousarray(np.rot90(results[key], k))
        results['img_shape'] = results['img'][0].shape[:2]
        return results

    def __repr__(self):
        return f'{type(self).__name__}(prob={self.prob})'


@TRANSFORMS.register_module()
class MultiImgExchangeTime(BaseTransform):
    """Swap the two dates (the change map is symmetric in time).

    Args:
        prob: Probability of swapping.
    """

    def __init__(self, prob: float = 0.5):
        self.prob = prob

    def transform(self, results: dict) -> dict:
        if np.random.rand() < self.prob:
            results['img'] = results['img'][::-1]
        return results

    def __repr__(self):
        return f'{type(self).__name__}(prob={self.prob})'


@TRANSFORMS.register_module()
class MultiImgPhotoMetricDistortion(BaseTransform):
    """mmseg's ``PhotoMetricDistortion`` on each date with its own random
    draws (illumination differs between acquisitions); 8-bit 3-band
    images only, as mmseg's.

    Args:
        **kwargs: ``PhotoMetricDistortion`` arguments (``brightness_delta``,
            ``contrast_range``, ``saturation_range``, ``hue_delta``).
    """

    def __init__(self, **kwargs):
        self.distortion = PhotoMetricDistortion(**kwargs)

    def transform(self, results: dict) -> dict:
        imgs = []
        for img, path in zip(results['img'], results['img_path']):
            if img.ndim != 3 or img.shape[2] != 3:
                raise ValueError(
                    f'{type(self).__name__} distorts 3-band images; {path} '
                    f'gives {img.shape[2:] or 1} bands: drop it from '
                    f'multispectral pipelines')
            imgs.append(self.distortion.transform(dict(img=img))['img'])
        results['img'] = imgs
        return results

    def __repr__(self):
        return f'{type(self).__name__}({self.distortion!r})'


@TRANSFORMS.register_module()
class MultiImgMinMaxNormalize(BaseTransform):
    """Scale each band of each date to [0, 1] by its own minimum and
    maximum in the (cropped) sample, as SpectralGPT's OSCD loader
    (``downstream_tasks/OSCD/dataset.py``) does per patch. A constant band
    becomes 0.
    """

    def transform(self, results: dict) -> dict:
        imgs = []
        for img in results['img']:
            img = img.astype(np.float32)
            low = img.min(axis=(0, 1), keepdims=True)
            span = img.max(axis=(0, 1), keepdims=True) - low
            imgs.append(np.where(span > 0, (img - low) / np.where(
                span > 0, span, 1), 0).astype(np.float32))
        results['img'] = imgs
        return results


@TRANSFORMS.register_module()
class MultiImgPackSegInputs(BaseTransform):
    """Pack a pair: ``inputs`` ``(2 C, H, W)`` (date 1's bands, then date
    2's), ``data_samples`` a ``SegDataSample`` with ``gt_sem_seg`` and the
    meta keys. ``uint8`` images stay ``uint8``; other integer types become
    float32 (tensors of uint16 support few operations).

    Args:
        meta_keys: Keys of ``results`` copied into the sample's metainfo.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = (
                     'img_path', 'seg_map_path', 'ori_shape', 'img_shape',
                     'pad_shape', 'scale_factor', 'flip', 'flip_direction',
                     'bands')):
        self.meta_keys = tuple(meta_keys)

    @staticmethod
    def _to_chw(img: np.ndarray) -> np.ndarray:
        img = img[..., None] if img.ndim == 2 else img
        if img.dtype != np.uint8 and not np.issubdtype(img.dtype,
                                                       np.floating):
            img = img.astype(np.float32)
        return img.transpose(2, 0, 1)

    def transform(self, results: dict) -> dict:
        imgs = np.concatenate([self._to_chw(img) for img in results['img']])
        packed = dict(inputs=torch.from_numpy(np.ascontiguousarray(imgs)))
        sample = SegDataSample()
        if 'gt_seg_map' in results:
            sample.gt_sem_seg = PixelData(data=torch.from_numpy(
                results['gt_seg_map'][None].astype(np.int64)))
        sample.set_metainfo({k: results[k] for k in self.meta_keys
                             if k in results})
        packed['data_samples'] = sample
        return packed

    def __repr__(self):
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
