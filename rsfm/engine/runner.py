"""rsfm's Runner: mmengine's Runner, made to work on torch >= 2.6 and on CPUs.

Configs select it with ``runner_type = 'rsfm.Runner'``; mmengine's and the
host libraries' ``tools/train.py`` build it through the ``RUNNERS`` registry,
so the fixes below apply whatever entry point starts the run.
"""
import contextlib
import copy
import fcntl
import logging
import os
import os.path as osp
import re
import socket
import time
from typing import Callable, List, Optional, Union

import torch
import torch.distributed as torch_dist
from mmengine.device import (get_device, is_cuda_available, is_mlu_available,
                             is_musa_available, is_npu_available)
from mmengine.dist import is_distributed, is_main_process
from mmengine.logging import print_log
from mmengine.model import (BaseTTAModel, is_model_wrapper,
                            revert_sync_batchnorm)
from mmengine.registry import MODEL_WRAPPERS
from mmengine.runner import Runner as _MMEngineRunner
from mmengine.runner.checkpoint import _load_checkpoint_to_model
from torch.nn.parallel import DistributedDataParallel

from rsfm.checkpoint.loading import (RUN_SAFE_GLOBALS, CodeInCheckpointError,
                                     safe_torch_load)
from rsfm.registry import RUNNERS
from rsfm.utils.atomic import atomic_output
from .hooks import (CheckpointHook, FiniteLossHook, RandomStateHook,
                    gather_random_states)


def load_run_checkpoint(filename: str,
                        map_location: Union[str, Callable] = 'cpu',
                        trusted: bool = False) -> dict:
    """Load a checkpoint that an mmengine run wrote (to resume or test it).

    NOTE: torch >= 2.6 loads with ``weights_only=True``, which refuses the
    message-hub state (``HistoryBuffer``, numpy values) of every mmengine
    checkpoint, so mmengine 0.10.7 cannot resume. rsfm loads it with
    ``weights_only=True`` plus :data:`RUN_SAFE_GLOBALS`, which covers that
    state without running code. A file that holds other pickled objects is
    unpickled fully (it may run code) only when ``trusted``.

    Raises:
        FileNotFoundError, ValueError: as :func:`safe_torch_load`; a
            :class:`CodeInCheckpointError` for an untrusted file with code,
            saying how to trust it.
    """
    try:
        return safe_torch_load(filename, map_location, RUN_SAFE_GLOBALS)
    except CodeInCheckpointError as e:
        if not trusted:
            raise CodeInCheckpointError(
                f'{e}; unpickling it could run code. If you trust the file, '
                f'pass --trust-checkpoint (tools/train.py, tools/test.py) or '
                f'set trust_checkpoint = True in the config (checkpoints '
                f'in the run\'s own work_dir are trusted)') from e
    print_log(f'{filename}: a trusted checkpoint, fully unpickled',
              logger='current', level=logging.WARNING)
    return torch.load(filename, map_location=map_location, weights_only=False)


def amp_fallback(optim_wrapper):
    """``optim_wrapper`` with ``AmpOptimWrapper`` replaced by ``OptimWrapper``
    (logged) when no accelerator that mmengine's AMP supports is present."""
    if not (isinstance(optim_wrapper, dict)
            and optim_wrapper.get('type') == 'AmpOptimWrapper'):
        return optim_wrapper
    if any(available() for available in (is_cuda_available, is_npu_available,
                                         is_mlu_available, is_musa_available)):
        return optim_wrapper
    print_log('AmpOptimWrapper needs a GPU (or NPU/MLU/MUSA): training in '
              'fp32 with OptimWrapper on this machine', logger='current',
              level=logging.WARNING)
    optim_wrapper = copy.deepcopy(optim_wrapper)
    optim_wrapper['type'] = 'OptimWrapper'
    for key in ('loss_scale', 'dtype', 'use_fsdp'):
        optim_wrapper.pop(key, None)
    return optim_wrapper


#: files of a work dir that an earlier run's checkpoint hook wrote
RUN_CHECKPOINT = re.compile(r'^((epoch|iter|best)_.*\.pth|last_checkpoint)$')


def run_checkpoints(work_dir: str) -> List[str]:
    """Names of the checkpoints (and ``last_checkpoint``) in ``work_dir``."""
    if not osp.isdir(work_dir):
        return []
    return sorted(f for f in os.listdir(work_dir) if RUN_CHECKPOINT.match(f))


def latest_checkpoint(work_dir: str) -> str:
    """The checkpoint ``--resume`` continues from in ``work_dir``.

    ``last_checkpoint`` names it; a work dir moved since (the path in the
    file no longer exists) resumes from the file of the same name in
    ``work_dir``; without a usable ``last_checkpoint`` the checkpoint of the
    highest epoch or iteration is taken (logged).

    Raises:
        FileNotFoundError: when ``work_dir`` holds no checkpoint.
    """
    record = osp.join(work_dir, 'last_checkpoint')
    named = ''
    if osp.isfile(record):
        with open(record) as f:
            named = f.read().strip()
        for candidate in (named, osp.join(work_dir, osp.basename(named))):
            if named and osp.isfile(candidate):
                return candidate
    numbered = []  # (epoch or iteration, file name)
    for name in os.listdir(work_dir) if osp.isdir(work_dir) else ():
        match = re.match(r'^(epoch|iter)_(\d+)\.pth$', name)
        if match:
            numbered.append((int(match[2]), name))
    if not numbered:
        raise FileNotFoundError(
            f'--resume: no checkpoint to resume in {work_dir} (no '
            f'last_checkpoint, no epoch_N.pth / iter_N.pth); start without '
            f'--resume, or give the checkpoint: --resume PATH')
    path = osp.join(work_dir, max(numbered)[1])
    print_log(f'{record} is ' + ('empty' if osp.isfile(record) and not named
                                 else f'missing or names {named!r}, which '
                                 f'does not exist') +
              f'; resuming from the latest checkpoint found, {path}',
              logger='current', level=logging.WARNING)
    return path


@contextlib.contextmanager
def training_lock(work_dir: str):
    """Hold ``work_dir/.train.lock`` while training: a second run into the
    same work dir fails instead of interleaving checkpoints. The lock is an
    ``flock``: the kernel releases it when its process ends, even by a
    crash or ``kill -9``, so it never stays stuck."""
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, '.train.lock')
    with open(path, 'a+') as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            raise RuntimeError(
                f'another training run ({f.read().strip() or "unknown"}) is '
                f'using {work_dir}: two runs in one work dir overwrite each '
                f'other\'s checkpoints and logs. Wait for it or choose '
                f'another --work-dir.') from None
        f.seek(0)
        f.truncate()
        f.write(f'pid {os.getpid()} on {socket.gethostname()}, started '
                f'{time.strftime("%Y-%m-%d %H:%M:%S")}\n')
        f.flush()
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def check_checkpoint_matches(model: torch.nn.Module, checkpoint: dict,
                             filename: str, min_match: float) -> None:
    """Refuse a checkpoint that fits less than ``min_match`` of the model's
    parameters (by name and shape): testing or resuming another model's
    checkpoint would run with randomly initialised heads."""
    if isinstance(model, BaseTTAModel):  # loads into the wrapped model
        model = model.module
    state = checkpoint.get('state_dict', checkpoint)
    state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
    params = dict(model.named_parameters())
    total = sum(p.numel() for p in params.values())
    matched = sum(p.numel() for k, p in params.items()
                  if k in state and tuple(state[k].shape) == tuple(p.shape))
    if total and matched / total < min_match:
        missing = [k for k, p in params.items()
                   if k not in state or state[k].shape != p.shape]
        raise ValueError(
            f'{filename} fits only {matched / total:.1%} of the parameters '
            f'of this {type(model).__name__} (e.g. {missing[:3]} are '
            f'missing or of another shape); is it a checkpoint of this '
            f'config? Set min_checkpoint_match in the config to accept it.')


@RUNNERS.register_module()
class Runner(_MMEngineRunner):
    """mmengine's Runner with five fixes for mmengine 0.10.7.

    1. ``resume`` / ``load_from`` / testing a checkpoint work on torch >= 2.6
       without unpickling code (see :func:`load_run_checkpoint`); a file
       that needs full unpickling loads only from the run's own
       ``work_dir`` or with ``trust_checkpoint = True`` (``--trust-
       checkpoint``). Remote files (``http://``, ``open-mmlab://``) still
       go through mmengine's loaders.
    2. ``launcher='pytorch'`` without CUDA initialises a ``gloo`` process
       group (mmengine's ``init_dist`` calls ``torch.cuda.set_device``).
    3. Distributed CPU models are wrapped by the configured wrapper
       (``model_wrapper_cfg``, default ``MMDistributedDataParallel``) without
       ``device_ids``, and SyncBN layers, of the model or of ``sync_bn``,
       stay BN (torch's and mmcv's SyncBN run on GPUs only): each CPU
       process then normalises with its own batch statistics.
    4. ``AmpOptimWrapper`` (fp16 needs an accelerator; mmengine asserts one)
       falls back to ``OptimWrapper`` with a warning when no GPU is visible,
       so mixed-precision configs still run, in fp32, on CPUs.

    5. Nothing is lost or trained silently: training refuses a work dir
       with an earlier run's checkpoints (``--resume``, another
       ``--work-dir`` or ``--overwrite-work-dir``) and holds a lock on it;
       checkpoints are written to a temporary name and renamed, and old ones
       removed only after (:class:`~rsfm.engine.CheckpointHook`); the first
       non-finite loss stops training (:class:`~rsfm.engine.FiniteLossHook`);
       ``--resume`` without a checkpoint is an error, and a moved work dir
       resumes from its own files; a checkpoint that fits less than half of
       the model is refused (``min_checkpoint_match``).

    With a GPU, behaviour is mmengine's (plus 1 and 5).
    """

    def setup_env(self, env_cfg: dict) -> None:
        if (self.distributed and not is_distributed()
                and self.launcher == 'pytorch' and get_device() == 'cpu'):
            torch_dist.init_process_group(backend='gloo')
        super().setup_env(env_cfg)

    def wrap_model(self, model_wrapper_cfg: Optional[dict],
                   model: torch.nn.Module):
        if not (self.distributed and not is_model_wrapper(model)
                and get_device() == 'cpu'):
            return super().wrap_model(model_wrapper_cfg, model)
        # NOTE: mmengine passes device_ids=[LOCAL_RANK], which DDP refuses
        # for CPU modules, and converts to SyncBN after any revert.
        if self.cfg.get('sync_bn') is not None:
            self.logger.warning(f'sync_bn={self.cfg.sync_bn!r} is ignored: '
                                f'SyncBN needs GPUs')
        self.logger.info('distributed run on CPU: SyncBN layers are '
                         'reverted to BN')
        model = revert_sync_batchnorm(model)
        cfg = dict(model_wrapper_cfg or dict(
            broadcast_buffers=False,
            find_unused_parameters=self.cfg.get('find_unused_parameters',
                                                False)))
        cfg.setdefault('type', 'MMDistributedDataParallel')
        wrapper = MODEL_WRAPPERS.get(cfg['type'])
        if wrapper is None:
            raise KeyError(f'model_wrapper_cfg type {cfg["type"]!r} is not a '
                           f'registered model wrapper')
        if issubclass(wrapper, DistributedDataParallel):
            cfg['device_ids'] = None  # a CPU module takes none
        return MODEL_WRAPPERS.build(cfg, default_args=dict(module=model))

    def train(self):
        """Refuse a work dir that holds an earlier run's checkpoints (unless
        resuming it or ``overwrite_work_dir``), and hold the work dir's
        training lock while training."""
        found = run_checkpoints(self.work_dir)
        if found and not self._resume and \
                not self.cfg.get('overwrite_work_dir', False):
            raise FileExistsError(
                f'{self.work_dir} holds checkpoints of an earlier run '
                f'({", ".join(found[:4])}{", ..." if len(found) > 4 else ""})'
                f'; training would overwrite them. Continue it with '
                f'--resume, choose another --work-dir, or pass '
                f'--overwrite-work-dir.')
        lock = training_lock(self.work_dir) if is_main_process() \
            else contextlib.nullcontext()
        with lock:
            return super().train()

    def register_hooks(self, default_hooks=None, custom_hooks=None):
        """mmengine's hooks, with mmengine's ``CheckpointHook`` replaced by
        :class:`~rsfm.engine.CheckpointHook` (same arguments; it saves before
        it deletes), plus :class:`~rsfm.engine.FiniteLossHook` unless
        ``check_finite_loss=False``."""
        checkpoint = (default_hooks or {}).get('checkpoint')
        if isinstance(checkpoint, dict) and checkpoint.get('type') in (
                'CheckpointHook', 'mmengine.CheckpointHook'):
            default_hooks = dict(default_hooks,
                                 checkpoint=dict(checkpoint,
                                                 type=CheckpointHook))
        super().register_hooks(default_hooks, custom_hooks)
        if self.cfg.get('check_finite_loss', True) and not any(
                isinstance(h, FiniteLossHook) for h in self.hooks):
            self.register_hook(FiniteLossHook())
        self.register_hook(RandomStateHook())

    def resume(self, filename: str, *args, **kwargs) -> None:
        """mmengine's resume, with what failed put in context: a checkpoint
        that does not fit (model, optimizer, schedulers) was most likely
        written with another config."""
        try:
            super().resume(filename, *args, **kwargs)
        except CodeInCheckpointError:
            raise
        except (KeyError, ValueError, RuntimeError) as e:
            raise type(e)(
                f'cannot resume from {filename}: {e}. Was it written with '
                f'another config (optimizer, schedulers, model)? Resume '
                f'with the config that wrote it, or start from its weights '
                f'with load_from instead of --resume.') from e

    def load_or_resume(self) -> None:
        """mmengine's, with ``--resume`` (no path) resolved by
        :func:`latest_checkpoint`: an error when there is nothing to resume,
        and a moved work dir resumes from its own files."""
        if self._resume and self._load_from is None and not self._has_loaded:
            self._load_from = latest_checkpoint(self.work_dir)
            self.logger.info(f'Resuming from {self._load_from}')
        super().load_or_resume()

    def save_checkpoint(self, out_dir: str, filename: str, *args, **kwargs):
        """mmengine's checkpoint plus every rank's random states (for an
        exact resume), written through :func:`rsfm.utils.atomic_output`: a
        kill while saving leaves the earlier checkpoints whole and no partial
        file named as a checkpoint."""
        meta = dict(kwargs.pop('meta', None) or {})
        meta['random_states'] = gather_random_states()  # every rank's
        if '://' in out_dir or not is_main_process():  # remote, or no file
            return super().save_checkpoint(out_dir, filename, *args,
                                           meta=meta, **kwargs)
        with atomic_output(osp.join(out_dir, filename)) as tmp:
            super().save_checkpoint(out_dir, osp.basename(tmp), *args,
                                    meta=meta, **kwargs)

    def build_optim_wrapper(self, optim_wrapper):
        return super().build_optim_wrapper(amp_fallback(optim_wrapper))

    def load_checkpoint(self,
                        filename: str,
                        map_location: Union[str, Callable] = 'cpu',
                        strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]):
        if not osp.isfile(filename):
            return super().load_checkpoint(filename, map_location, strict,
                                           revise_keys)
        own = osp.realpath(filename).startswith(
            osp.join(osp.realpath(self.work_dir), ''))
        checkpoint = load_run_checkpoint(
            filename, map_location,
            trusted=own or bool(self.cfg.get('trust_checkpoint', False)))
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) \
            else self.model
        check_checkpoint_matches(model, checkpoint, filename,
                                 self.cfg.get('min_checkpoint_match', 0.5))
        checkpoint = _load_checkpoint_to_model(
            model, checkpoint, strict, revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint
