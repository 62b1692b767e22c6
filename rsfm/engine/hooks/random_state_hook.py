"""Resume with the random states of the interrupted run."""
import random
from typing import List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop

from rsfm.registry import HOOKS


def get_random_state() -> dict:
    """This process's python, numpy, torch (and CUDA) random states."""
    return dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        torch=torch.get_rng_state(),
        cuda=torch.cuda.get_rng_state_all()
        if torch.cuda.is_available() else [])


def set_random_state(state: dict) -> None:
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if state['cuda'] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


def gather_random_states() -> List[dict]:
    """Every rank's random state (a collective: call on all ranks)."""
    return all_gather_object(get_random_state())


class _RestoreBeforeNext:
    """An iterator that restores a random state right before its
    ``skip + 1``-th item: after the batches the loop replays to resume."""

    def __init__(self, iterator, skip: int, state: dict):
        self.iterator, self.skip, self.state = iterator, skip, state

    def __iter__(self):
        return self

    def __next__(self):
        if self.state is not None and self.skip == 0:
            set_random_state(self.state)
            self.state = None
        self.skip -= 1
        return next(self.iterator)


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Make a resumed run draw the random numbers the interrupted run would
    have drawn (dropout, drop path, augmentation, samplers' shuffles).

    ``rsfm.Runner`` saves every rank's python, numpy, torch and CUDA random
    states in each checkpoint (``meta['random_states']``) and adds this
    hook, which:

    - restores them when training resumes: at once for epoch-based loops
      (checkpoints are taken at epoch ends), and right after the batches an
      iteration-based loop replays to reach its position (the replay runs
      the data pipeline, which draws random numbers);
    - keeps validation from moving the training random states: they are
      saved before and restored after each validation, so a run that
      validates after a checkpoint and one that resumes from it continue
      alike.
    """

    priority = 'VERY_LOW'

    def __init__(self):
        self.resumed: Optional[List[dict]] = None
        self._before_val: Optional[dict] = None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the saved states when the checkpoint is resumed (not when
        it only initialises weights through ``load_from``)."""
        if runner._resume:
            self.resumed = checkpoint.get('meta', {}).get('random_states')

    def _state_of_this_rank(self, runner) -> Optional[dict]:
        states, self.resumed = self.resumed, None
        if not states:
            return None
        if len(states) != runner.world_size:
            print_log(f'the checkpoint has random states of {len(states)} '
                      f'processes, this run has {runner.world_size}: they '
                      f'are not restored', logger='current', level=30)
            return None
        return states[get_rank()]

    def before_train(self, runner) -> None:
        if isinstance(runner.train_loop, IterBasedTrainLoop):
            return
        state = self._state_of_this_rank(runner)
        if state is not None:
            set_random_state(state)

    def before_train_epoch(self, runner) -> None:
        loop = runner.train_loop
        if not isinstance(loop, IterBasedTrainLoop):
            return
        state = self._state_of_this_rank(runner)
        if state is not None:
            loop.dataloader_iterator = _RestoreBeforeNext(
                loop.dataloader_iterator, loop.iter, state)

    def before_val(self, runner) -> None:
        self._before_val = get_random_state()

    def after_val(self, runner) -> None:
        if self._before_val is not None:
            set_random_state(self._before_val)
            self._before_val = None
