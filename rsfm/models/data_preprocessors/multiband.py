"""Per-band normalisation for any band count, on top of a host's data
preprocessor."""
from typing import Optional, Sequence

import torch


def check_mean_std(name: str, mean: Optional[Sequence[float]],
                   std: Optional[Sequence[float]]) -> None:
    """Both or neither, one ``std`` per ``mean``; errors name ``name``."""
    if (mean is None) != (std is None):
        raise ValueError(f'{name} needs both mean and std, or neither')
    if mean is not None and len(mean) != len(std):
        raise ValueError(f'{name} mean has {len(mean)} values but std '
                         f'{len(std)}: give one per band')


class MultiBandMixin:
    """Let a host's data preprocessor normalise any number of bands.

    mmengine's ``ImgDataPreprocessor`` (under mmdet's) and mmpretrain's
    preprocessors assert one or three ``mean``/``std`` values. This mixin
    builds the host class without them, then registers one value per band
    itself; the host's ``forward`` normalises with them unchanged. The band
    count of each batch is checked against them with a message naming both.
    ``bgr_to_rgb``/``rgb_to_bgr`` only make sense for 3 bands and are
    refused for others: order multi-band inputs by name when loading
    (``rsfm.LoadMultiBandImage(bands=...)``).

    Args:
        mean: One value per band (or one for all).
        std: One value per band (or one for all).
        **kwargs: The host preprocessor's other arguments.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 **kwargs):
        name = type(self).__name__
        check_mean_std(name, mean, std)
        conversion = kwargs.get('bgr_to_rgb') or kwargs.get('rgb_to_bgr')
        if conversion and mean is not None and len(mean) not in (1, 3):
            raise ValueError(f'{name}: bgr_to_rgb/rgb_to_bgr swap 3 bands, '
                             f'but mean/std give {len(mean)}')
        super().__init__(mean=None, std=None, **kwargs)
        self.num_bands = None
        if mean is not None:
            self._enable_normalize = True
            self.num_bands = len(mean) if len(mean) > 1 else None
            self.register_buffer(
                'mean', torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1),
                False)
            self.register_buffer(
                'std', torch.tensor(std, dtype=torch.float32).view(-1, 1, 1),
                False)

    def forward(self, data: dict, training: bool = False) -> dict:
        if self.num_bands is not None:
            inputs = data['inputs']  # tensors (C, H, W) or (B, C, H, W)
            inputs = [inputs] if torch.is_tensor(inputs) else inputs
            bad = [tuple(t.shape) for t in inputs
                   if t.shape[-3] != self.num_bands]
            if bad:
                raise ValueError(
                    f'{type(self).__name__} normalises {self.num_bands} '
                    f'bands (mean/std) but got inputs of shape {bad[0]} '
                    f'([B,] C, H, W)')
        return super().forward(data, training)
