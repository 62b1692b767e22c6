"""The teacher-student pieces CMID and GeRSP share: MoCo's loss and queue,
the momentum update, and the distributed gather / batch shuffle (run here
with 2 CPU processes over gloo)."""
import math
import os.path as osp

import pytest
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
import torch.nn as nn

from rsfm.models.pretrain.momentum import (batch_shuffle, batch_unshuffle,
                                           copy_parameters, enqueue, gather,
                                           moco_loss, momentum_update)


def test_moco_loss_by_hand():
    q = torch.tensor([[1., 0.], [0., 1.]])
    k = torch.tensor([[0.6, 0.8], [0., 1.]])
    queue = torch.tensor([[1., 0., -1.], [0., 1., 0.]])
    loss = moco_loss(q, k, queue, 0.5)
    rows = [[0.6, 1., 0., -1.], [1., 0., 1., 0.]]
    want = sum(-r[0] / 0.5 + math.log(sum(math.exp(v / 0.5) for v in r))
               for r in rows) / 2
    assert loss.item() == pytest.approx(want)


def test_queue_is_a_fifo_ring():
    queue = torch.zeros(2, 6)
    pointer = torch.zeros(1, dtype=torch.long)
    for step in range(4):
        enqueue(queue, pointer, torch.full((2, 2), float(step + 1)))
    # four writes of two keys into six columns: 4, 4, 2, 2, 3, 3
    assert queue[0].tolist() == [4., 4., 2., 2., 3., 3.]
    assert int(pointer) == 2
    with pytest.raises(ValueError, match='not a multiple of the 4 keys'):
        enqueue(queue, pointer, torch.ones(4, 2))


def test_momentum_update_parameters_by_name_only():
    student = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    student.register_parameter('extra', nn.Parameter(torch.ones(1)))
    teacher = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    copy_parameters(student, teacher)
    assert all(not p.requires_grad for p in teacher.parameters())
    torch.testing.assert_close(teacher[0].weight, student[0].weight)
    with torch.no_grad():
        student[0].weight.add_(1.)
        student[1].running_mean.fill_(5.)
    before = teacher[0].weight.clone()
    momentum_update(student, teacher, 0.9)
    torch.testing.assert_close(teacher[0].weight,
                               0.9 * before + 0.1 * student[0].weight)
    assert torch.equal(teacher[1].running_mean, torch.zeros(2))


def _worker(rank, init, out):
    torch_dist.init_process_group('gloo', init_method=init, rank=rank,
                                  world_size=2)
    torch.manual_seed(rank)  # different local permutations would be wrong
    x = torch.arange(6.).view(3, 2) + 100 * rank
    gathered = gather(x)
    shuffled, order = batch_shuffle(x)
    restored = batch_unshuffle(shuffled * 2, order)
    torch.save(dict(gathered=gathered, shuffled=shuffled, order=order,
                    restored=restored), osp.join(out, f'{rank}.pth'))
    torch_dist.destroy_process_group()


def test_gather_and_batch_shuffle_over_two_cpu_processes(tmp_path):
    init = f'file://{tmp_path}/rendezvous'
    mp.spawn(_worker, args=(init, str(tmp_path)), nprocs=2)
    results = [torch.load(tmp_path / f'{r}.pth') for r in range(2)]
    everything = torch.cat([torch.arange(6.).view(3, 2),
                            torch.arange(6.).view(3, 2) + 100])
    for rank, res in enumerate(results):
        assert torch.equal(res['gathered'], everything)
        # one permutation (rank 0's), each process takes its share
        assert torch.equal(res['order'], results[0]['order'])
        assert torch.equal(res['shuffled'],
                           everything[res['order'][3 * rank:3 * rank + 3]])
        # features of the shuffled batch come back in the original order
        assert torch.equal(res['restored'],
                           2 * everything[3 * rank:3 * rank + 3])
    assert sorted(results[0]['order'].tolist()) == list(range(6))


def test_single_process_pieces_are_identities():
    x = torch.randn(3, 2)
    assert gather(x) is x
    shuffled, order = batch_shuffle(x)
    assert shuffled is x and order is None
    assert batch_unshuffle(x, None) is x
