"""What every rsfm pretraining algorithm shares: its batch, and what it
does with ``init_cfg``."""
import copy
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn

from rsfm.checkpoint import LoadReport, load_pretrained, pretrained_init_cfg


def batch_of(inputs: Union[torch.Tensor, List[torch.Tensor]]) -> torch.Tensor:
    """``(B, C, H, W)`` from the data preprocessor's output: a batch, a list
    of views (the first is used) or a list of images (stacked)."""
    if isinstance(inputs, torch.Tensor):
        return inputs
    return inputs[0] if inputs[0].dim() == 4 else torch.stack(inputs)


def strip_ddp_prefix(state_dict: Dict[str, torch.Tensor]
                     ) -> Dict[str, torch.Tensor]:
    """The state dict without the ``module.`` prefix that a DDP-wrapped
    model's ``state_dict()`` puts on every key (unchanged otherwise)."""
    if state_dict and all(k.startswith('module.') for k in state_dict):
        return {k[len('module.'):]: v for k, v in state_dict.items()}
    return state_dict


def check_mask_mode(mode: str) -> str:
    """``mode`` if it is ``'replace'`` or ``'add'``, else an error."""
    if mode not in ('replace', 'add'):
        raise ValueError(f'mask_mode must be "replace" (SimMIM) or "add" '
                         f'(CMID), got {mode!r}')
    return mode


def apply_mask_token(x: torch.Tensor, weight: torch.Tensor,
                     token: torch.Tensor, mode: str) -> torch.Tensor:
    """Masked positions (``weight`` 1) of ``x`` replaced by ``token``, or
    with ``token`` added (CMID)."""
    if mode == 'add':
        return x + token * weight
    return x * (1. - weight) + token * weight


def random_cell_mask(batch: int, height: int, width: int, ratio: float,
                     cell: int, patch: int) -> torch.Tensor:
    """``ceil(cells * ratio)`` of the ``cell``-px cells drawn by
    ``np.random.permutation`` (SimMIM's rule: GFM's ``MaskGenerator``,
    CMID's ``BlockwiseMaskGenerator``), repeated onto the ``patch``-px
    grid: ``(B, H/patch, W/patch)`` bool, True = masked."""
    h, w = height // cell, width // cell
    count = int(np.ceil(h * w * ratio))
    scale = cell // patch
    masks = []
    for _ in range(batch):
        cells = np.zeros(h * w, dtype=bool)
        cells[np.random.permutation(h * w)[:count]] = True
        cells = cells.reshape(h, w).repeat(scale, 0).repeat(scale, 1)
        masks.append(torch.from_numpy(cells))
    return torch.stack(masks)


def unmasked_copy(backbone: nn.Module) -> nn.Module:
    """A copy of a masked backbone (``MaskedResNet``, ``MaskedSwin``) as
    its plain parent class, without the mask token: a teacher with the
    downstream backbone's keys."""
    teacher = copy.deepcopy(backbone)
    del teacher.mask_token
    teacher.__class__ = type(backbone).__bases__[0]
    return teacher


class ContinuesFromCheckpoint:
    """Mixin of the algorithms (before ``BaseSelfSupervisor``): with
    ``init_cfg=dict(type='Pretrained', checkpoint=PATH)`` every part is
    first initialised as without it (so that what the file does not hold
    starts as the paper initialises it, not at zero), then the file is
    converted with :attr:`convert_checkpoint` and loaded over it with a
    report; the backbone's keys go through its own ``adapt_pretrained``
    (bands, window tables, position embeddings).

    Subclasses set :attr:`convert_checkpoint`, may set :attr:`min_match`
    and :attr:`deferred` (children whose own Pretrained ``init_cfg`` is
    used only when the algorithm's file does not cover them, e.g. GFM's
    teacher), and may override :meth:`init_extra` (their own parameters'
    initialisation).
    """

    convert_checkpoint: Callable
    #: smallest share of the parameters the file must fill
    min_match: float = 0.5
    #: children loaded from their own init_cfg only if the file skips them
    deferred: Sequence[str] = ()
    #: read files that pickle a foreign trainer's objects (CMID's logs)
    #: with inert stand-ins for them
    stub_unknown: bool = False
    pretrained_report: Optional[LoadReport] = None

    def init_extra(self) -> None:
        """Initialise the algorithm's own parameters (mask tokens, ...)."""

    def init_weights(self):
        pretrained = pretrained_init_cfg(self.init_cfg)
        if pretrained is None:
            super().init_weights()
            self.init_extra()
            return
        saved = {name: getattr(self, name).init_cfg for name in self.deferred}
        algorithm_cfg, self.init_cfg = self.init_cfg, None
        for name in self.deferred:
            getattr(self, name).init_cfg = None
        try:
            super().init_weights()  # as without the file
            self.init_extra()
        finally:
            self.init_cfg = algorithm_cfg
            for name, cfg in saved.items():
                getattr(self, name).init_cfg = cfg
        self.pretrained_report = load_pretrained(
            self, pretrained, type(self).convert_checkpoint,
            self.adapt_pretrained, self.min_match, self.stub_unknown)
        for name in self.deferred:
            if not any(k.startswith(name + '.')
                       for k in self.pretrained_report.matched):
                child = getattr(self, name)
                child._is_init = False
                child.init_weights()  # from its own init_cfg, if any
        self._is_init = True

    def adapt_pretrained(self, state_dict: dict, report: LoadReport,
                         init_cfg: dict) -> dict:
        """Pass the ``backbone.`` keys through the backbone's adaptation."""
        prefix = 'backbone.'
        sub = {k[len(prefix):]: v for k, v in state_dict.items()
               if k.startswith(prefix)}
        rest = {k: v for k, v in state_dict.items()
                if not k.startswith(prefix)}
        if sub:
            sub = self.backbone.adapt_pretrained(sub, report, init_cfg)
        rest.update({prefix + k: v for k, v in sub.items()})
        return rest
