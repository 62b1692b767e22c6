"""What the teacher-student algorithms (CMID, GeRSP) share: MoCo's
projection MLP, its loss and key queue, a parameters-only momentum update,
and the distributed gather and batch shuffle.

The distributed pieces run on any backend (gloo on CPU as well as NCCL) and
are the identity in a single process; the official code runs them only on
GPUs under an initialised process group (GeRSP's ``batch_shuffle_ddp`` and
``concat_all_gather`` call ``.cuda()``).
"""
import math
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine import dist
from mmengine.logging import MessageHub


class ProjectionMLP(nn.Module):
    """``Linear - [BN] - ReLU - Linear`` on pooled features ``(B, C)``
    (MoCo v2's projector; CMID's ``MLP(norm_layer=Identity)``, GeRSP's
    ``Projector``). Keys ``mlp.0`` and ``mlp.3``; ``mlp.1`` is the BN when
    ``norm=True``, else an identity."""

    def __init__(self, in_channels: int, hidden_channels: int,
                 out_channels: int, norm: bool = False):
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(in_channels, hidden_channels),
            nn.BatchNorm1d(hidden_channels) if norm else nn.Identity(),
            nn.ReLU(inplace=True),
            nn.Linear(hidden_channels, out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(x)


def moco_loss(query: torch.Tensor, key: torch.Tensor, queue: torch.Tensor,
              temperature: float) -> torch.Tensor:
    """InfoNCE of MoCo: cross-entropy of ``cat[q.k, q^T queue] / T`` with
    the positive at index 0. ``query``, ``key`` ``(B, D)`` normalised,
    ``queue`` ``(D, K)``."""
    positive = torch.einsum('nc,nc->n', query, key).unsqueeze(-1)  # (B, 1)
    negative = torch.einsum('nc,ck->nk', query, queue)  # (B, K)
    logits = torch.cat([positive, negative], dim=1) / temperature
    target = torch.zeros(query.shape[0], dtype=torch.long,
                         device=query.device)
    return F.cross_entropy(logits, target)


@torch.no_grad()
def enqueue(queue: torch.Tensor, pointer: torch.Tensor,
            keys: torch.Tensor) -> None:
    """Write ``keys`` ``(N, D)`` into the FIFO ring ``queue`` ``(D, K)`` at
    ``pointer`` and advance it (MoCo's ``_dequeue_and_enqueue``)."""
    count, length = keys.shape[0], queue.shape[1]
    if length % count:
        raise ValueError(f'queue length {length} is not a multiple of the '
                         f'{count} keys enqueued per step (batch x '
                         f'processes); choose queue_len accordingly')
    start = int(pointer)
    queue[:, start:start + count] = keys.t().to(queue.dtype)
    pointer[0] = (start + count) % length


@torch.no_grad()
def copy_parameters(student: nn.Module, teacher: nn.Module) -> None:
    """Start the teacher as the student (parameters by name; the teacher
    may lack the student's own extras, such as a mask token) and take its
    gradients away."""
    source = dict(student.named_parameters())
    for name, param in teacher.named_parameters():
        param.copy_(source[name])
        param.requires_grad = False


@torch.no_grad()
def momentum_update(student: nn.Module, teacher: nn.Module,
                    momentum: float) -> None:
    """``t <- momentum * t + (1 - momentum) * s`` for every teacher
    parameter (matched by name); buffers (BN statistics) are left alone,
    as in MoCo, CMID and GeRSP."""
    source = dict(student.named_parameters())
    pairs = [(p, source[n].detach()) for n, p in teacher.named_parameters()]
    targets, sources = [t for t, _ in pairs], [s for _, s in pairs]
    torch._foreach_mul_(targets, momentum)
    torch._foreach_add_(targets, sources, alpha=1. - momentum)


def cosine_momentum(base: float, final: float = 1.) -> float:
    """BYOL's schedule ``final - (final - base) (cos(pi k / K) + 1) / 2`` at
    the message hub's ``iter`` ``k`` of ``max_iters`` ``K`` (``base`` when
    there is no training loop, e.g. in a unit test)."""
    hub = MessageHub.get_current_instance()
    step, total = hub.get_info('iter'), hub.get_info('max_iters')
    if step is None or not total:
        return base
    return final - (final - base) * (math.cos(math.pi * step / total) +
                                     1) / 2


@torch.no_grad()
def gather(tensor: torch.Tensor) -> torch.Tensor:
    """All processes' ``tensor`` concatenated along dim 0, in rank order
    (no gradient); the tensor itself in one process."""
    if dist.get_world_size() == 1:
        return tensor
    return torch.cat(dist.all_gather(tensor.contiguous()), dim=0)


@torch.no_grad()
def batch_shuffle(x: torch.Tensor
                  ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """MoCo's shuffling BN: this process's share of a random permutation of
    the global batch, and the permutation to undo it. In one process BN
    statistics do not depend on the order, so nothing moves."""
    world = dist.get_world_size()
    if world == 1:
        return x, None
    everything = gather(x)  # (world * B, ...)
    order = torch.randperm(everything.shape[0], device=x.device)
    dist.broadcast(order, src=0)
    rank, batch = dist.get_rank(), x.shape[0]
    return everything[order[rank * batch:(rank + 1) * batch]], order


@torch.no_grad()
def batch_unshuffle(x: torch.Tensor,
                    order: Optional[torch.Tensor]) -> torch.Tensor:
    """Undo :func:`batch_shuffle` on its output's features ``x``."""
    if order is None:
        return x
    everything = gather(x)
    restore = torch.argsort(order)
    rank, batch = dist.get_rank(), x.shape[0]
    return everything[restore[rank * batch:(rank + 1) * batch]]
