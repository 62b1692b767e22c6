"""rsfm.Adan against the update rule of CMID's Pretrain/adan.py (written
out below as it reads, names included) and timm's Adan."""
import math

import pytest
import torch

from rsfm.engine import Adan


def _cmid_adan_steps(p, grads, lr, betas, eps, wd, no_prox):
    """Pretrain/adan.py Adan.step, one parameter, one group."""
    beta1, beta2, beta3 = betas
    state = {}
    for step, grad in enumerate(grads, 1):
        bias_correction1 = 1.0 - beta1**step
        bias_correction2 = 1.0 - beta2**step
        bias_correction3 = 1.0 - beta3**step
        if not state:
            state['exp_avg'] = torch.zeros_like(p)
            state['exp_avg_diff'] = torch.zeros_like(p)
            state['exp_avg_sq'] = torch.zeros_like(p)
            state['pre_grad'] = grad.clone()
        # (CMID's local names are swapped against the state keys)
        exp_avg, exp_avg_sq, exp_avg_diff = state['exp_avg'], \
            state['exp_avg_diff'], state['exp_avg_sq']
        grad_diff = grad - state['pre_grad']
        exp_avg.lerp_(grad, 1. - beta1)
        exp_avg_diff.lerp_(grad_diff, 1. - beta2)
        update = grad + beta2 * grad_diff
        exp_avg_sq.mul_(beta3).addcmul_(update, update, value=1. - beta3)
        denom = (exp_avg_sq.sqrt() / math.sqrt(bias_correction3)).add_(eps)
        update = (exp_avg / bias_correction1 +
                  beta2 * exp_avg_diff / bias_correction2).div_(denom)
        if no_prox:
            p.mul_(1 - lr * wd)
            p.add_(update, alpha=-lr)
        else:
            p.add_(update, alpha=-lr)
            p.div_(1 + lr * wd)
        state['pre_grad'].copy_(grad)
    return p


@pytest.mark.parametrize('no_prox', [False, True])
def test_adan_is_cmids_update(no_prox):
    torch.manual_seed(0)
    start = torch.randn(5)
    grads = [torch.randn(5) for _ in range(4)]
    kwargs = dict(lr=4e-3, betas=(0.98, 0.92, 0.99), eps=1e-8, wd=0.02,
                  no_prox=no_prox)
    want = _cmid_adan_steps(start.clone(), grads, **kwargs)
    param = torch.nn.Parameter(start.clone())
    optimizer = Adan([param], lr=4e-3, weight_decay=0.02, no_prox=no_prox)
    for grad in grads:
        param.grad = grad.clone()
        optimizer.step()
    torch.testing.assert_close(param.detach(), want, rtol=1e-6, atol=1e-7)
    assert optimizer.param_groups[0]['step'] == 4
    timm_adan = pytest.importorskip('timm.optim').Adan
    other = torch.nn.Parameter(start.clone())
    reference = timm_adan([other], lr=4e-3, weight_decay=0.02,
                          no_prox=no_prox, foreach=False)
    for grad in grads:
        other.grad = grad.clone()
        reference.step()
    torch.testing.assert_close(param.detach(), other.detach(), rtol=1e-5,
                               atol=1e-6)


def test_adan_builds_from_a_host_config_and_refuses_bad_values():
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    init_default_scope('mmpretrain')
    import rsfm.engine  # noqa: F401
    model = torch.nn.Linear(2, 2)
    wrapper = build_optim_wrapper(model, dict(
        optimizer=dict(type='rsfm.Adan', lr=1e-3, weight_decay=0.02),
        paramwise_cfg=dict(flat_decay_mult=0.)))
    assert isinstance(wrapper.optimizer, Adan)
    decays = sorted(g['weight_decay'] for g in wrapper.optimizer.param_groups)
    assert decays == [0., 0.02]  # the bias (1-D) is not decayed
    with pytest.raises(ValueError, match='betas'):
        Adan(model.parameters(), betas=(0.9, 0.9))
