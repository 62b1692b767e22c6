"""Shrink shipped configs to tiny CPU runs on the generated fixtures.

Only sizes, data roots and run lengths change; model types, losses, data
pipelines, evaluators, optimizers and runners stay those of the config.
"""
import glob
import os.path as osp

from mmengine.config import Config

from tests.conftest import REPO

CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True)
    if '_base_' not in p)

ATTO_DIMS = [40, 80, 160, 320]


def _loaders(data_root, *loaders):
    """Every loader reads ``data_root`` in the main process (the shipped
    configs keep their GPU recipes' workers)."""
    opts = {}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader',
                   *loaders):
        opts[f'{loader}.dataset.data_root'] = data_root
        opts[f'{loader}.num_workers'] = 0
        opts[f'{loader}.persistent_workers'] = False
    return opts


def _dota(roots, max_epochs):
    opts = _loaders(roots['dota'], 'submission_dataloader')
    opts.update({
        'model.backbone.arch': 'atto',
        'model.backbone.drop_path_rate': 0.1,
        'model.backbone.init_cfg': None,
        'model.neck.in_channels': ATTO_DIMS,
        'model.train_cfg.rpn_proposal.nms_pre': 200,
        'model.train_cfg.rpn_proposal.max_per_img': 100,
        'model.train_cfg.rcnn.sampler.num': 64,
        'model.test_cfg.rpn.nms_pre': 200,
        'model.test_cfg.rpn.max_per_img': 100,
        'train_dataloader.dataset.pipeline.3.scale': (64, 64),
        'val_dataloader.dataset.pipeline.1.scale': (64, 64),
        'test_dataloader.dataset.pipeline.1.scale': (64, 64),
        'submission_dataloader.dataset.pipeline.1.scale': (64, 64),
        'train_cfg.max_epochs': max_epochs,
        'default_hooks.logger.interval': 1,
    })
    return opts


def _potsdam(root, max_iters):
    opts = _loaders(root)
    opts.update({
        'model.backbone.arch': 'atto',
        'model.backbone.drop_path_rate': 0.1,
        'model.backbone.init_cfg': None,
        'model.data_preprocessor.size': (32, 32),
        'model.decode_head.in_channels': ATTO_DIMS,
        'model.decode_head.channels': 32,
        'model.auxiliary_head.in_channels': ATTO_DIMS[2],
        'model.auxiliary_head.channels': 16,
        'model.test_cfg.crop_size': (32, 32),
        'model.test_cfg.stride': (21, 21),
        'train_dataloader.dataset.pipeline.2.scale': (64, 64),
        'train_dataloader.dataset.pipeline.3.crop_size': (32, 32),
        'train_cfg.max_iters': max_iters,
        'train_cfg.val_interval': max_iters,
        'default_hooks.logger.interval': 1,
        'default_hooks.checkpoint.interval': max(1, max_iters // 2),
    })
    return opts


def dataset_of(cfg) -> str:
    """The fixture (a key of the ``roots`` fixture) a config trains on, from
    its training dataset."""
    dataset = cfg.train_dataloader.dataset
    if dataset.type.endswith('DOTADataset'):
        return 'dota'
    if dataset.type == 'PotsdamDataset':
        return 'potsdam_rgbir' if dataset.get('img_suffix') == '.tif' \
            else 'potsdam'
    raise NotImplementedError(f'no tiny fixture for {dataset.type}')


def tiny_config(path: str, roots: dict, length: int = 1) -> Config:
    """The shipped config at ``path``, shrunk; ``length`` = epochs/iters."""
    cfg = Config.fromfile(path)
    dataset = dataset_of(cfg)
    opts = _dota(roots, length) if dataset == 'dota' \
        else _potsdam(roots[dataset], length)
    cfg.merge_from_dict(opts)
    return cfg
