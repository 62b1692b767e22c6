"""What every rsfm backbone shares: pretrained loading with a report,
explicit input-band adaptation, freezing that survives ``train()``, the
input check and the ``decay_type`` check of ``get_layer_depth``."""
from typing import Callable, Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_

from rsfm.checkpoint import LoadReport, load_pretrained, pretrained_init_cfg
from ..utils.band_adaptation import RGB, adapt_input_bands


def freeze(modules: Sequence[nn.Module]) -> None:
    """Eval mode and no gradients for ``modules``."""
    for m in modules:
        m.eval()
        for param in m.parameters():
            param.requires_grad = False


class BaseBackbone(BaseModule):
    """Base of rsfm backbones.

    Subclasses set :attr:`convert_checkpoint` (their pure converter,
    ``state_dict -> (state_dict, format)``) and :attr:`first_layer` (the key
    of the weight whose input channels are the bands), and implement
    :meth:`init_default_weights` and :meth:`_freeze_stages`.

    Args:
        in_channels: Number of input bands.
        bands: Names of the input bands (see :meth:`adapt_pretrained`).
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH, prefix=None,
            checkpoint_bands=None, min_match=None)`` goes through
            :func:`rsfm.checkpoint.load_pretrained`; others to mmengine.
    """

    convert_checkpoint: Callable[[Dict[str, torch.Tensor]],
                                 Tuple[Dict[str, torch.Tensor], str]]
    first_layer: Optional[str] = None

    def __init__(self, in_channels: int, bands: Optional[Sequence[str]],
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if in_channels < 1:
            raise ValueError(f'in_channels must be >= 1, got {in_channels}')
        if bands is not None and len(bands) != in_channels:
            raise ValueError(f'bands {tuple(bands)} name {len(bands)} bands '
                             f'but in_channels={in_channels}')
        self.in_channels = in_channels
        self.bands = tuple(bands) if bands is not None else None
        self.pretrained_report: Optional[LoadReport] = None

    def init_weights(self):
        """Load ``init_cfg`` Pretrained weights (with a report), else the
        architecture's own initialisation."""
        pretrained = pretrained_init_cfg(self.init_cfg)
        if pretrained is not None:
            self.pretrained_report = load_pretrained(
                self, pretrained, type(self).convert_checkpoint,
                self.adapt_pretrained)
            self._is_init = True
            return
        self.init_default_weights()
        super().init_weights()

    def init_default_weights(self):
        """The architecture's initialisation without a checkpoint."""

    def trunc_normal_init(self, types=(nn.Linear, )) -> None:
        """Truncated normal (std 0.02) weights and zero biases for the
        modules of ``types``, the init of ConvNeXt, Swin and ViTs."""
        for m in self.modules():
            if isinstance(m, types):
                trunc_normal_(m.weight, std=.02)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)

    def parse_arch(self, arch, required: Sequence[str]) -> dict:
        """``arch`` as a settings dict: a key of ``arch_settings`` or a dict
        holding at least ``required``."""
        name = type(self).__name__
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise ValueError(f'{name} arch {arch!r} is not one of '
                                 f'{sorted(self.arch_settings)}')
            return self.arch_settings[arch]
        missing = set(required) - set(arch if isinstance(arch, dict) else ())
        if missing:
            raise ValueError(f'{name} arch must be a name or a dict with '
                             f'{sorted(required)}; {arch!r} lacks '
                             f'{sorted(missing)}')
        return arch

    def adapt_pretrained(self, state_dict: dict, report: LoadReport,
                         init_cfg: dict) -> dict:
        """Fit the first layer of a converted checkpoint to ``bands``.

        Bands named in both keep their kernels, others start at zero; the
        checkpoint's bands are ``init_cfg['checkpoint_bands']``, or R, G, B
        for a 3-channel layer. Without ``bands``, a channel mismatch is an
        error.
        """
        weight = state_dict.get(self.first_layer)
        if weight is None:
            return state_dict
        ckpt_bands = init_cfg.get('checkpoint_bands') or \
            (RGB if weight.shape[1] == 3 else None)
        if self.bands is None and weight.shape[1] != self.in_channels:
            raise ValueError(
                f'{self.first_layer} of {init_cfg["checkpoint"]} takes '
                f'{weight.shape[1]} bands '
                f'{tuple(ckpt_bands) if ckpt_bands else ""} but '
                f'in_channels={self.in_channels}; name the input bands, e.g. '
                f'{type(self).__name__}(in_channels={self.in_channels}, '
                f'bands=(...)), to select or add bands')
        state_dict[self.first_layer], note = adapt_input_bands(
            weight, ckpt_bands, self.bands, self.first_layer)
        if note:
            report.notes.append(note)
        return state_dict

    def check_input(self, x: torch.Tensor) -> None:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            bands = f' (bands {self.bands})' if self.bands else ''
            raise ValueError(
                f'{type(self).__name__} expects (B, {self.in_channels}, H, '
                f'W) input{bands}, got shape {tuple(x.shape)}')

    def _freeze_stages(self):
        """Freeze what ``frozen_stages`` names; called again by train()."""

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_stages()
        return self

    @staticmethod
    def check_decay_type(decay_type: str,
                         supported=('layer_wise', 'stage_wise')) -> None:
        if decay_type not in supported:
            raise ValueError(f'decay_type must be one of {supported}, got '
                             f'{decay_type!r}')
