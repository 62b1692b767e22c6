"""The Adan optimizer, with the update rule of CMID's pretraining."""
import math
from typing import Callable, Iterable, Optional, Tuple

import torch
from torch.optim import Optimizer

from rsfm.registry import OPTIMIZERS


@OPTIMIZERS.register_module()
class Adan(Optimizer):
    """Adan: adaptive Nesterov momentum (Xie et al., 2022,
    https://arxiv.org/abs/2208.06677), as sail-sg/Adan and CMID
    (``Pretrain/adan.py``) implement it. With ``g`` the gradient and ``d =
    g - g_prev`` (0 at the first step):

    ``m <- lerp(m, g, 1 - b1)``, ``v <- lerp(v, d, 1 - b2)``,
    ``n <- b3 n + (1 - b3) (g + b2 d)^2``, ``u = (m / c1 + b2 v / c2) /
    (sqrt(n / c3) + eps)`` with bias corrections ``c_i = 1 - b_i^t``; then
    ``p <- (p - lr u) / (1 + lr wd)`` (proximal decay), or with
    ``no_prox`` ``p <- p (1 - lr wd) - lr u``. The step count ``t`` is per
    parameter group, as in both implementations.

    Args:
        params: Parameters or parameter groups.
        lr: Learning rate.
        betas: ``(b1, b2, b3)`` (0.98, 0.92, 0.99).
        eps: Added to the denominator.
        weight_decay: Decoupled weight decay.
        no_prox: Decay before the update instead of the proximal form.
    """

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: Tuple[float, float, float] = (0.98, 0.92, 0.99),
                 eps: float = 1e-8, weight_decay: float = 0.,
                 no_prox: bool = False):
        if lr < 0 or eps < 0 or weight_decay < 0:
            raise ValueError(f'Adan needs lr, eps and weight_decay >= 0, got '
                             f'{lr}, {eps}, {weight_decay}')
        if len(betas) != 3 or not all(0. <= b < 1. for b in betas):
            raise ValueError(f'Adan betas must be three values in [0, 1), '
                             f'got {betas}')
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay,
                                      no_prox=no_prox))

    @torch.no_grad()
    def step(self, closure: Optional[Callable] = None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            b1, b2, b3 = group['betas']
            group['step'] = group.get('step', 0) + 1
            t = group['step']
            c1, c2, c3 = 1. - b1**t, 1. - b2**t, 1. - b3**t
            lr, decay = group['lr'], group['weight_decay']
            for p in group['params']:
                if p.grad is None:
                    continue
                grad = p.grad
                state = self.state[p]
                if not state:
                    state['exp_avg'] = torch.zeros_like(p)
                    state['exp_avg_diff'] = torch.zeros_like(p)
                    state['exp_avg_sq'] = torch.zeros_like(p)
                    state['prev_grad'] = grad.clone()
                diff = grad - state['prev_grad']
                state['exp_avg'].lerp_(grad, 1. - b1)  # m
                state['exp_avg_diff'].lerp_(diff, 1. - b2)  # v
                nesterov = grad + b2 * diff
                state['exp_avg_sq'].mul_(b3).addcmul_(
                    nesterov, nesterov, value=1. - b3)  # n
                denom = (state['exp_avg_sq'].sqrt() / math.sqrt(c3)).add_(
                    group['eps'])
                update = (state['exp_avg'] / c1 +
                          b2 * state['exp_avg_diff'] / c2).div_(denom)
                if group['no_prox']:
                    p.mul_(1. - lr * decay)
                    p.add_(update, alpha=-lr)
                else:
                    p.add_(update, alpha=-lr)
                    p.div_(1. + lr * decay)
                state['prev_grad'].copy_(grad)
        return loss
