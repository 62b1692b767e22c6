"""Per-image intensity scaling for multispectral pretraining."""
import numpy as np
from mmcv.transforms import BaseTransform

from rsfm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MinMaxNormalize(BaseTransform):
    """Scale each band of ``results['img']`` ``(H, W, C)`` to [0, 1] by its
    own minimum and maximum over the whole image, as SpectralGPT's
    pretraining loaders do before cropping (``util/datasets.py``:
    ``(x - min) / (max - min + eps)``, eps 1e-10 for fMoW-Sentinel, 1e-12
    for BigEarthNet). The result is float32; a constant band becomes 0.

    Args:
        eps: Added to the band's range.
    """

    def __init__(self, eps: float = 1e-10):
        self.eps = eps

    def transform(self, results: dict) -> dict:
        img = results['img'].astype(np.float32)
        img = img[..., None] if img.ndim == 2 else img
        low = img.min(axis=(0, 1), keepdims=True)
        high = img.max(axis=(0, 1), keepdims=True)
        results['img'] = ((img - low) / (high - low + self.eps)).astype(
            np.float32)
        return results

    def __repr__(self):
        return f'{type(self).__name__}(eps={self.eps})'
