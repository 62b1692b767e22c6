"""rsfm's Runner: mmengine's Runner, made to work on torch >= 2.6 and on CPUs.

Configs select it with ``runner_type = 'rsfm.Runner'``; mmengine's and the
host libraries' ``tools/train.py`` build it through the ``RUNNERS`` registry,
so the fixes below apply whatever entry point starts the run.
"""
import codecs
import copy
import logging
import os.path as osp
import pickle
from typing import Callable, Optional, Union

import numpy as np
import torch
import torch.distributed as torch_dist
from mmengine.device import (get_device, is_cuda_available, is_mlu_available,
                             is_musa_available, is_npu_available)
from mmengine.dist import is_distributed
from mmengine.logging import HistoryBuffer, print_log
from mmengine.model import is_model_wrapper, revert_sync_batchnorm
from mmengine.registry import MODEL_WRAPPERS
from mmengine.runner import Runner as _MMEngineRunner
from mmengine.runner.checkpoint import _load_checkpoint_to_model
from torch.nn.parallel import DistributedDataParallel

from rsfm.checkpoint.loading import (SAFE_GLOBALS, CodeInCheckpointError,
                                     safe_torch_load)
from rsfm.registry import RUNNERS


def _history_getattr(obj, name: str):
    """``getattr`` as mmengine's message hub pickles it: only the statistic
    methods of ``HistoryBuffer`` (its ``_statistics_methods``)."""
    if obj is HistoryBuffer and not name.startswith('_') and \
            callable(getattr(HistoryBuffer, name, None)):
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'getattr({obj!r}, {name!r}) is not part of mmengine\'s training '
        f'state')


#: what an mmengine checkpoint holds besides tensors and containers: the
#: message hub (``HistoryBuffer`` with its statistic methods, numpy arrays
#: and scalars) and numpy values in the meta; nothing that runs code
RUN_SAFE_GLOBALS = SAFE_GLOBALS + (
    HistoryBuffer, np.ndarray, np.dtype, np._core.multiarray._reconstruct,
    np._core.multiarray.scalar, codecs.encode,
    *(getattr(np.dtypes, name) for name in np.dtypes.__all__),
    (_history_getattr, 'builtins.getattr'),
    (_history_getattr, '__builtin__.getattr'))


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


@RUNNERS.register_module()
class Runner(_MMEngineRunner):
    """mmengine's Runner with four fixes for mmengine 0.10.7.

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

    With a GPU, behaviour is mmengine's.
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
        checkpoint = _load_checkpoint_to_model(
            model, checkpoint, strict, revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint
