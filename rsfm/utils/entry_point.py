"""What ``tools/train.py`` and ``tools/test.py`` share: arguments, config
loading and running the Runner."""
import argparse
import ast
import ctypes
import difflib
import inspect
import os
import os.path as osp
import signal
import sys
from typing import Optional

import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

#: prctl option: the signal the kernel sends when the parent process dies
PR_SET_PDEATHSIG = 1


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction``, with a usage error for an item that is
    not ``key=value``."""

    def __call__(self, parser, namespace, values, option_string=None):
        bad = [v for v in values if '=' not in v]
        if bad:
            parser.error(f'{option_string} takes key=value items, got '
                         f'{bad[0]!r}')
        super().__call__(parser, namespace, values, option_string)


def end_with_parent() -> None:
    """Make this worker end when its launcher (torchrun) dies, even by
    ``kill -9``: the kernel sends SIGTERM on the parent's death (Linux)."""
    if not sys.platform.startswith('linux'):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() == 1:  # the parent died before prctl
        sys.exit('the launcher of this worker has exited')


#: top-level keys that runners and rsfm's tools read besides Runner's
#: arguments, so that --cfg-options may set them in a config that lacks them
RUN_KEYS = ('model_wrapper_cfg', 'find_unused_parameters', 'sync_bn',
            'compile', 'runner_type', 'trust_checkpoint', 'tta_model',
            'tta_pipeline', 'submission_dataloader', 'submission_evaluator')


def find_syntax_error(path: str, seen=()) -> Optional[str]:
    """``file:line: message`` of the first syntax error in the config at
    ``path`` or its ``_base_`` files (mmengine's message names neither)."""
    with open(path, encoding='utf-8') as f:
        source = f.read()
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as e:
        return f'{path}:{e.lineno}: {e.msg}'
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == '_base_' for t in node.targets):
            try:
                bases = ast.literal_eval(node.value)
            except ValueError:
                return None
            for base in [bases] if isinstance(bases, str) else bases:
                base = osp.join(osp.dirname(path), base)
                if osp.isfile(base) and base not in seen:
                    found = find_syntax_error(base, seen + (path, ))
                    if found:
                        return found
    return None


def check_cfg_options(cfg: Config, options: dict, config: str) -> None:
    """Refuse ``--cfg-options`` whose top-level key neither the config nor
    the Runner knows: a typo (``randomnes.seed=0``) would otherwise add a
    key that nothing reads."""
    known = set(cfg.keys()) | set(RUN_KEYS) | set(
        inspect.signature(Runner.__init__).parameters) - {'self'}
    for key in options:
        top = key.split('.')[0]
        if top not in known:
            close = difflib.get_close_matches(top, sorted(known), n=1)
            hint = f'; did you mean {close[0]!r}?' if close else ''
            raise KeyError(f'--cfg-options {key}: {config} has no key '
                           f'{top!r}{hint}')


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local-rank``."""
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override settings of the config, key=value, e.g. '
        'train_dataloader.batch_size=4')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='fully unpickle checkpoints that hold more than weights and '
        'mmengine\'s training state (this can run code from the file); '
        'checkpoints in the run\'s own work dir are trusted anyway')


def load_config(args: argparse.Namespace) -> Config:
    """Load ``args.config`` with the common arguments applied.

    The work dir is ``--work-dir``, else the config's, else
    ``./work_dirs/<config name>``.
    """
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if args.launcher == 'pytorch':
        end_with_parent()
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file {args.config} does not exist')
    try:
        cfg = Config.fromfile(args.config)
    except SyntaxError as e:
        where = find_syntax_error(args.config)
        if where is None:
            raise
        raise SyntaxError(f'syntax error in config {where}') from e
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        check_cfg_options(cfg, args.cfg_options, args.config)
        cfg.merge_from_dict(args.cfg_options)
    if args.trust_checkpoint:
        cfg.trust_checkpoint = True
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def run(cfg: Config, method: str):
    """Build the config's runner (``runner_type`` or mmengine's) and call
    ``runner.<method>()``; leave no process group behind."""
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg \
        else Runner.from_cfg(cfg)
    distributed = dist.is_available() and dist.is_initialized()
    try:
        result = getattr(runner, method)()
        if distributed:
            # NOTE: rank 0 computes metrics after the others are done; a rank
            # that tears its gloo group down first makes rank 0 abort
            # ("terminate called without an active exception").
            dist.barrier()
        return result
    finally:
        if distributed:
            dist.destroy_process_group()
