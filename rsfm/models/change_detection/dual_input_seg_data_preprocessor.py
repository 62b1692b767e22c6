"""Normalising and padding bitemporal inputs."""
from typing import Optional, Sequence

import torch
from mmseg.models.data_preprocessor import SegDataPreProcessor

from rsfm.registry import MODELS
from ..data_preprocessors.multiband import check_mean_std


@MODELS.register_module()
class DualInputSegDataPreProcessor(SegDataPreProcessor):
    """mmseg's ``SegDataPreProcessor`` for two dates stacked on channels.

    Inputs are ``(2 C, H, W)``: date 1's bands, then date 2's
    (``rsfm.MultiImgPackSegInputs``), any ``C``. ``mean``/``std`` give one
    value per band of both dates (``2 C`` values, open-cd's layout, so each
    date may have its own statistics) or per band of one date (``C``
    values, used for both dates). Both dates are padded together, hence
    identically; padding, ``size``/``size_divisor`` and ``test_cfg`` are
    mmseg's. ``bgr_to_rgb`` reverses the three bands of each date of a
    ``2 x 3``-band input and is refused for other band counts.

    Args:
        mean: Per-band means, ``2 C`` or ``C`` values.
        std: Per-band standard deviations, as ``mean``.
        bgr_to_rgb: Swap B and R of each date (8-bit BGR loaders).
        rgb_to_bgr: The same swap.
        **kwargs: ``SegDataPreProcessor`` arguments.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 bgr_to_rgb: bool = False,
                 rgb_to_bgr: bool = False,
                 **kwargs):
        name = type(self).__name__
        check_mean_std(name, mean, std)
        if bgr_to_rgb and rgb_to_bgr:
            raise ValueError(f'{name}: bgr_to_rgb and rgb_to_bgr cannot '
                             f'both be set')
        self.swap_rb = bgr_to_rgb or rgb_to_bgr
        if self.swap_rb and mean is not None and len(mean) not in (3, 6):
            raise ValueError(f'{name}: bgr_to_rgb/rgb_to_bgr swap the 3 '
                             f'bands of each date, but mean/std give '
                             f'{len(mean)} values')
        super().__init__(mean=None, std=None, **kwargs)
        self._enable_normalize = False  # done per date in normalise()
        self.norm_values = None if mean is None else len(mean)
        if mean is not None:
            self.register_buffer(
                'mean', torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1),
                False)
            self.register_buffer(
                'std', torch.tensor(std, dtype=torch.float32).view(-1, 1, 1),
                False)

    def normalise(self, inputs: torch.Tensor) -> torch.Tensor:
        """One sample ``(2 C, H, W)`` -> float, RGB-ordered, normalised."""
        channels = inputs.shape[0]
        if inputs.ndim != 3 or channels % 2:
            raise ValueError(
                f'{type(self).__name__} expects two dates stacked on '
                f'channels, (2 C, H, W), got shape {tuple(inputs.shape)}')
        if self.swap_rb:
            if channels != 6:
                raise ValueError(
                    f'bgr_to_rgb/rgb_to_bgr swap 2 x 3 bands, got '
                    f'{channels} channels')
            inputs = inputs[[2, 1, 0, 5, 4, 3]]
        inputs = inputs.float()
        if self.norm_values is None:
            return inputs
        if self.norm_values in (1, channels):
            return (inputs - self.mean) / self.std
        if 2 * self.norm_values == channels:  # one date's statistics
            return torch.cat([(date - self.mean) / self.std
                              for date in inputs.chunk(2)])
        raise ValueError(
            f'{type(self).__name__} has {self.norm_values} mean/std values '
            f'but the input has 2 x {channels // 2} bands: give one value '
            f'per band of one date or of both dates')

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        data['inputs'] = [self.normalise(t) for t in data['inputs']]
        return super().forward(data, training)
