"""Loading images: multi-band rasters (GeoTIFF and anything GDAL reads)
through rasterio with named bands, and 8-bit RGB images that refuse to be
silently changed."""
from typing import Optional, Sequence

import mmcv
import numpy as np
import rasterio
from mmcv.transforms import BaseTransform
from mmengine import fileio

from rsfm.registry import TRANSFORMS


def _store_image(results: dict, img: np.ndarray, to_float32: bool) -> dict:
    """Put an ``(H, W, C)`` image and its shapes into ``results``."""
    results['img'] = img.astype(np.float32) if to_float32 else img
    results['img_shape'] = img.shape[:2]
    results['ori_shape'] = img.shape[:2]
    return results


@TRANSFORMS.register_module()
class LoadMultiBandImage(BaseTransform):
    """Read ``results['img_path']`` with rasterio, any band count and dtype.

    The bands of the file are named by its band descriptions (GDAL's, as
    GeoTIFF writers set them) or, for files without, by ``file_bands``;
    ``bands`` selects and orders the bands to read by name (all, in file
    order, if ``None``). The names of the bands read go to
    ``results['bands']``, so that a model's ``bands=`` can be checked
    against them.

    Added keys: ``img`` ``(H, W, C)``, ``img_shape``, ``ori_shape``,
    ``bands``.

    Args:
        bands: Names of the bands to read, in the model's order.
        file_bands: Names of the file's bands, in file order, for files
            whose bands carry no description (e.g. ``('R', 'G', 'B',
            'NIR')`` for ISPRS Potsdam RGBIR tiles).
        to_float32: Cast to float32 (else keep the file's dtype, e.g.
            uint16 for Sentinel-2 digital numbers).

    Raises:
        ValueError: naming the file when it cannot be read, when bands are
            named but the file's bands are not, or when a band is missing.
    """

    def __init__(self,
                 bands: Optional[Sequence[str]] = None,
                 file_bands: Optional[Sequence[str]] = None,
                 to_float32: bool = False):
        self.bands = tuple(bands) if bands is not None else None
        self.file_bands = tuple(file_bands) if file_bands is not None \
            else None
        self.to_float32 = to_float32

    def _file_bands(self, path: str, src) -> Optional[tuple]:
        described = tuple(src.descriptions)
        if all(described):
            return described
        if self.file_bands is None:
            return None
        if len(self.file_bands) != src.count:
            raise ValueError(
                f'{path} has {src.count} bands but file_bands names '
                f'{len(self.file_bands)}: {self.file_bands}')
        return self.file_bands

    def transform(self, results: dict) -> dict:
        path = results['img_path']
        try:
            src = rasterio.open(path)
        except rasterio.errors.RasterioIOError as e:
            raise ValueError(f'cannot read image {path}: {e}') from None
        with src:
            names = self._file_bands(path, src)
            if self.bands is None:
                indexes = list(range(1, src.count + 1))
                bands = names
            else:
                if names is None:
                    raise ValueError(
                        f'{path}: its {src.count} bands have no '
                        f'descriptions; give file_bands=(...) to name them '
                        f'so that bands={self.bands} can be read')
                missing = [b for b in self.bands if b not in names]
                if missing:
                    raise ValueError(f'{path} has no band(s) {missing}; its '
                                     f'bands are {names}')
                indexes = [names.index(b) + 1 for b in self.bands]
                bands = self.bands
            try:
                img = src.read(indexes)  # (C, H, W)
            except rasterio.errors.RasterioIOError as e:
                raise ValueError(f'cannot read image {path}: {e}') from None
        results['bands'] = bands
        img = np.ascontiguousarray(img.transpose(1, 2, 0))  # (H, W, C)
        return _store_image(results, img, self.to_float32)

    def __repr__(self):
        return (f'{type(self).__name__}(bands={self.bands}, file_bands='
                f'{self.file_bands}, to_float32={self.to_float32})')


@TRANSFORMS.register_module()
class LoadRGBImage(BaseTransform):
    """Load an 8-bit 3-band image (PNG, JPG, TIFF) for an RGB pipeline.

    What mmcv's ``LoadImageFromFile`` does (BGR ``uint8`` ``(H, W, 3)``,
    ``img_shape``, ``ori_shape``; a single-band image is repeated to three
    bands), but it refuses what that loader changes silently: a fourth band
    (alpha or NIR, dropped) and 16-bit values (crushed to 8 bits). Such
    files go through :class:`LoadMultiBandImage`, which keeps every band and
    the dtype. Empty and undecodable files are errors naming the file.

    Args:
        to_float32: Cast the image to float32.
        backend_args: mmengine file backend arguments.
    """

    def __init__(self, to_float32: bool = False,
                 backend_args: Optional[dict] = None):
        self.to_float32 = to_float32
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        path = results['img_path']
        data = fileio.get(path, backend_args=self.backend_args)
        if not data:
            raise ValueError(f'image {path} is empty (0 bytes)')
        img = mmcv.imfrombytes(data, flag='unchanged', backend='cv2')
        if img is None:
            raise ValueError(f'cannot decode image {path}: corrupt or not '
                             f'an image')
        if img.dtype != np.uint8:
            raise ValueError(
                f'{path} holds {img.dtype} values: this RGB pipeline reads '
                f'8-bit images and would crush them to 8 bits. Convert the '
                f'file deliberately, or load it with rsfm.LoadMultiBandImage '
                f'(keeps the dtype) and normalise for its range.')
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        if img.shape[2] != 3:
            raise ValueError(
                f'{path} has {img.shape[2]} bands: this RGB pipeline would '
                f'drop all but three. Load it with rsfm.LoadMultiBandImage('
                f'bands=...) and give the backbone its bands, or save an '
                f'RGB copy deliberately.')
        return _store_image(results, img, self.to_float32)

    def __repr__(self):
        return (f'{type(self).__name__}(to_float32={self.to_float32}, '
                f'backend_args={self.backend_args})')


@TRANSFORMS.register_module()
class CheckSegLabels(BaseTransform):
    """Check a loaded segmentation map: an index map (one band) whose values
    are class indices or ``ignore_index``.

    Put after ``LoadAnnotations``: a colour label map (3 bands, e.g. the raw
    ISPRS labels) or a value outside ``[0, num_classes)`` would otherwise
    fail deep in the loss, or train on wrong classes, without naming the
    file.

    Args:
        num_classes: Number of classes the model predicts.
        ignore_index: The value that marks ignored pixels.
    """

    def __init__(self, num_classes: int, ignore_index: int = 255):
        self.num_classes, self.ignore_index = num_classes, ignore_index

    def transform(self, results: dict) -> dict:
        label = results['gt_seg_map']
        path = results.get('seg_map_path', 'the label map')
        if label.ndim != 2:
            raise ValueError(
                f'{path} is a {label.shape[-1]}-band (colour?) label map; '
                f'an index map (one band of class indices) is expected: '
                f'convert the dataset with its converter')
        values = np.unique(label)
        bad = [int(v) for v in values
               if not (0 <= v < self.num_classes or v == self.ignore_index)]
        if bad:
            raise ValueError(
                f'{path} holds label values {bad[:8]} outside the '
                f'{self.num_classes} classes [0, {self.num_classes - 1}] '
                f'and the ignore index {self.ignore_index} (after '
                f'reduce_zero_label / label_map)')
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index})')
