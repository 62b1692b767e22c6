"""Stop training at the first non-finite loss."""
import math

import torch
from mmengine.hooks import Hook

from rsfm.registry import HOOKS


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raise at the first iteration whose loss terms are not finite.

    Runs before every other hook after an iteration (priority
    ``'VERY_HIGH'``), so the checkpoint of that iteration is never written:
    a run that diverges stops with the iteration and the loss terms named,
    instead of training on and saving NaN weights. ``rsfm.Runner`` adds it
    to every training run.
    """

    priority = 'VERY_HIGH'

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        bad = {}
        for name, value in (outputs or {}).items():
            if torch.is_tensor(value):
                if not torch.isfinite(value).all():
                    bad[name] = value.detach().float().mean().item()
            elif isinstance(value, float) and not math.isfinite(value):
                bad[name] = value
        if bad:
            terms = ', '.join(f'{k}={v}' for k, v in bad.items())
            raise FloatingPointError(
                f'non-finite loss at iteration {runner.iter + 1} (epoch '
                f'{runner.epoch + 1}): {terms}; training stopped before this '
                f'iteration was saved. Lower the learning rate, enable '
                f'gradient clipping, or check the data of this batch.')
