"""Train an rsfm config with mmengine's Runner.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
                          [--cfg-options k=v ...] [--launcher pytorch]

Runs under any host scope (mmrotate, mmseg, mmpretrain, mmdet): the config's
``default_scope`` and ``custom_imports`` decide what is built. Distributed
runs start through ``tools/dist_train.sh`` (GPUs with NCCL, or CPU processes
with gloo when no GPU is visible).
"""
import argparse
import os.path as osp

from mmengine.config import Config

from rsfm.utils.entry_point import add_common_args, load_config, run


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or (no value) from the '
        'latest checkpoint in the work dir')
    parser.add_argument(
        '--amp', action='store_true', help='mixed precision training')
    parser.add_argument(
        '--overwrite-work-dir',
        action='store_true',
        help='train into a work dir that holds checkpoints of an earlier run, '
        'replacing them (without it, such a work dir is refused)')
    add_common_args(parser)
    return parser.parse_args(argv)


def build_cfg(args) -> Config:
    cfg = load_config(args)
    if args.overwrite_work_dir:
        cfg.overwrite_work_dir = True
    if args.amp and \
            cfg.optim_wrapper.get('type', 'OptimWrapper') != 'AmpOptimWrapper':
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(
                f'--resume checkpoint {args.resume} does not exist')
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def main(argv=None):
    run(build_cfg(parse_args(argv)), 'train')


if __name__ == '__main__':
    main()
