"""What every rsfm backbone shares: pretrained loading with a report,
explicit input-band adaptation, one rule for ``out_indices`` and
``frozen_stages``, freezing that survives ``train()``, parameters without
weight decay, and ``forward`` as a sequence of overridable steps."""
from typing import (Callable, Dict, List, Optional, Sequence, Set, Tuple,
                    Union)

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_

from rsfm.checkpoint import LoadReport, load_pretrained, pretrained_init_cfg
from ..utils.band_adaptation import RGB, adapt_input_bands

#: what :func:`freeze` takes
Frozen = Union[nn.Module, nn.Parameter]


def freeze(parts: Sequence[Frozen]) -> None:
    """No gradients for ``parts`` (modules and parameters), and eval mode for
    the modules."""
    for part in parts:
        if isinstance(part, nn.Parameter):
            part.requires_grad = False
            continue
        part.eval()
        for param in part.parameters():
            param.requires_grad = False


class BaseBackbone(BaseModule):
    """Base of rsfm backbones.

    **Stages.** A backbone is a stem (embedding) followed by stages (ConvNeXt,
    ResNet and Swin stages; ViT blocks). ``out_indices`` names the stages
    whose outputs are returned; stages after the last of them are not built,
    so every parameter gets a gradient (DDP with
    ``find_unused_parameters=False``). ``frozen_stages`` follows one rule in
    every backbone, mmdet's: ``-1`` freezes nothing, ``0`` the stem, ``k``
    the stem and the first ``k`` stages. Call :meth:`init_stages` in
    ``__init__`` before building.

    **Forward steps.** :meth:`forward` runs ``embed(x, mask)``, then
    ``forward_stage(i, x, mask)`` for each built stage, and ``output(i, x)``
    for the stages in ``out_indices``. A pretraining subclass (masked,
    sparse) overrides a step and sets ``accepts_mask = True``; the per-batch
    ``mask`` is an argument of the steps, never module state. Plain
    backbones refuse a mask.

    Subclasses set :attr:`convert_checkpoint` (their pure converter,
    ``state_dict -> (state_dict, format)``), :attr:`first_layer` (the key of
    the weight whose input channels are the bands) and
    :attr:`no_weight_decay_keys`, and implement the steps,
    :meth:`stem_parts`, :meth:`stage_parts` and
    :meth:`init_default_weights`.

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
    #: last name components of parameters that get no weight decay (position
    #: embeddings, class tokens, relative position tables), as timm's
    #: ``no_weight_decay()`` and the official fine-tuning recipes
    no_weight_decay_keys: Tuple[str, ...] = ()
    #: whether the steps take a mask (pretraining subclasses)
    accepts_mask = False

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

    # -- stages ---------------------------------------------------------------
    def init_stages(self, num_stages: int, out_indices: Sequence[int],
                    frozen_stages: int, what: str = 'stages',
                    repeats: bool = False) -> int:
        """Check and set ``out_indices`` (negative ones count from the end)
        and ``frozen_stages``; return the number of stages to build (up to
        the last output)."""
        name = type(self).__name__
        indices = tuple(i + num_stages if i < 0 else i for i in out_indices)
        if not indices or not all(0 <= i < num_stages for i in indices):
            raise ValueError(f'{name} out_indices {tuple(out_indices)} must '
                             f'name some of its {num_stages} {what}')
        if not repeats and len(set(indices)) != len(indices):
            raise ValueError(f'{name} out_indices {tuple(out_indices)} repeat '
                             f'a stage')
        if not -1 <= frozen_stages <= num_stages:
            raise ValueError(
                f'{name} frozen_stages must be in [-1, {num_stages}] (-1: '
                f'nothing, 0: the stem, k: the stem and the first k '
                f'{what}), got {frozen_stages}')
        self.out_indices = indices
        self.frozen_stages = frozen_stages
        self.num_stages = max(indices) + 1
        return self.num_stages

    def stem_parts(self) -> List[Frozen]:
        """Modules and parameters before the first stage."""
        raise NotImplementedError

    def stage_parts(self, i: int) -> List[Frozen]:
        """Modules and parameters of stage ``i`` (with its output norm)."""
        raise NotImplementedError

    def _freeze_stages(self):
        """Freeze what ``frozen_stages`` names; called again by train()."""
        if self.frozen_stages < 0:
            return
        freeze(self.stem_parts())
        for i in range(min(self.frozen_stages, self.num_stages)):
            freeze(self.stage_parts(i))

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_stages()
        return self

    # -- forward --------------------------------------------------------------
    def forward(self, x: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor]:
        """``embed`` -> ``forward_stage`` per stage -> ``output`` of the
        stages in ``out_indices``, in stage order."""
        self.check_input(x, mask)
        x = self.embed(x, mask)
        outs = []
        for i in range(self.num_stages):
            x = self.forward_stage(i, x, mask)
            if i in self.out_indices:
                outs.append(self.output(i, x))
        return tuple(outs)

    def embed(self, x: torch.Tensor,
              mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        raise NotImplementedError

    def forward_stage(self, i: int, x: torch.Tensor,
                      mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        raise NotImplementedError

    def output(self, i: int, x: torch.Tensor) -> torch.Tensor:
        """Stage ``i``'s features as returned (NCHW)."""
        return x

    def check_input(self, x: torch.Tensor,
                    mask: Optional[torch.Tensor] = None) -> None:
        name = type(self).__name__
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            bands = f' (bands {self.bands})' if self.bands else ''
            raise ValueError(
                f'{name} expects (B, {self.in_channels}, H, W) input{bands}, '
                f'got shape {tuple(x.shape)}')
        if mask is not None and not self.accepts_mask:
            raise ValueError(f'{name} takes no mask; masked pretraining '
                             f'uses its pretraining subclass')

    # -- weights --------------------------------------------------------------
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

    def no_weight_decay(self) -> Set[str]:
        """Names of parameters (relative to the backbone) that should get no
        weight decay; the optimizer constructor honours them."""
        return {
            name for name, _ in self.named_parameters()
            if name.rsplit('.', 1)[-1] in self.no_weight_decay_keys
        }

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

    @staticmethod
    def check_decay_type(decay_type: str,
                         supported=('layer_wise', 'stage_wise')) -> None:
        if decay_type not in supported:
            raise ValueError(f'decay_type must be one of {supported}, got '
                             f'{decay_type!r}')
