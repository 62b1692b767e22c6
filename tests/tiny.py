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


#: tiny backbones of the change-detection configs: (backbone update,
#: channels of the level the BIT head reads)
CD_BACKBONES = {
    'rsfm.ConvNeXt': (dict(arch='atto', drop_path_rate=0.1), ATTO_DIMS[0]),
    'rsfm.ResNet': (dict(arch='tiny'), 64),
    'rsfm.SwinTransformer': (dict(arch='mini', window_size=4), 128),
    'rsfm.SpectralViT': (dict(arch='mini', img_size=32, out_indices=(3, )),
                         48),
}


def _change_detection(cfg, root, max_iters):
    """Tiny backbone, 64 (LEVIR-CD) or 32 (OSCD) pixel training crops;
    slide windows of 256 at stride 128 on the 512-pixel LEVIR-CD images,
    of 32 at stride 16 on the 66-pixel OSCD cities. The BIT head keeps its
    structure."""
    opts = _loaders(root)
    train = cfg.train_dataloader.dataset
    if train.type == 'ConcatDataset':  # LEVIR-CD: train + val crops
        del opts['train_dataloader.dataset.data_root']
        for i in range(len(train.datasets)):
            opts[f'train_dataloader.dataset.datasets.{i}.data_root'] = root
        pipeline = train.datasets[0].pipeline
    else:
        pipeline = train.pipeline
    backbone, channels = CD_BACKBONES[cfg.model.backbone.type]
    opts.update({f'model.backbone.{k}': v for k, v in backbone.items()})
    opts.update({
        'model.backbone.init_cfg': None,
        'model.decode_head.in_channels': channels,
        'train_cfg.max_iters': max_iters,
        'train_cfg.val_interval': max_iters,
        'default_hooks.logger.interval': 1,
        'default_hooks.checkpoint.interval': max(1, max_iters // 2),
    })
    oscd = dataset_of(cfg) == 'oscd'
    crop = 32 if oscd else 64
    for i, step in enumerate(pipeline):
        if step.type.endswith('RandomCrop'):
            key = f'pipeline.{i}.crop_size'
            if train.type == 'ConcatDataset':
                for j in range(len(train.datasets)):
                    opts[f'train_dataloader.dataset.datasets.{j}.{key}'] = \
                        (crop, crop)
            else:
                opts[f'train_dataloader.dataset.{key}'] = (crop, crop)
    if cfg.model.test_cfg.mode == 'slide':
        window = 32 if oscd else 256
        opts['model.test_cfg.crop_size'] = (window, window)
        opts['model.test_cfg.stride'] = (window // 2, window // 2)
    return opts


def training_datasets(cfg) -> list:
    """The dataset configs a config trains on (ConcatDataset unpacked)."""
    dataset = cfg.train_dataloader.dataset
    return list(dataset.datasets) if dataset.type == 'ConcatDataset' \
        else [dataset]


def dataset_of(cfg) -> str:
    """The fixture (a key of the ``roots`` fixture) a config trains on, from
    its training dataset."""
    dataset = training_datasets(cfg)[0]
    for name, key in (('LEVIRCD', 'levir_cd'), ('CDD', 'cdd'),
                      ('OSCD', 'oscd')):
        if dataset.type == f'rsfm.{name}Dataset':
            return key
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
    if dataset == 'dota':
        opts = _dota(roots, length)
    elif dataset.startswith('potsdam'):
        opts = _potsdam(roots[dataset], length)
    else:
        opts = _change_detection(cfg, roots[dataset], length)
    cfg.merge_from_dict(opts)
    return cfg
