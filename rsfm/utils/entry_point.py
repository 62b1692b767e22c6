"""What ``tools/train.py`` and ``tools/test.py`` share: arguments, config
loading and running the Runner."""
import argparse
import os
import os.path as osp

import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local-rank``."""
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
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
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file {args.config} does not exist')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
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
