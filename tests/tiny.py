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


def _pretraining(cfg, root, length):
    """Tiny encoder and decoder, small random crops of the unlabeled fixture
    (RGB images/ or 13-band sentinel/), 2 images per process."""
    opts = _data(cfg, root)
    opts.update({'train_dataloader.batch_size': 2,
                 'default_hooks.checkpoint.interval': 1,
                 'model.init_cfg': None,  # no official file in the tests
                 **_length(cfg, length)})
    opts.pop('train_cfg.val_interval')
    if cfg.model.type in ('rsfm.CMID', 'rsfm.GeRSP'):
        opts.update(_contrastive(cfg, root))
        return opts
    pipeline = cfg.train_dataloader.dataset.pipeline
    crop = next(i for i, step in enumerate(pipeline)
                if step['type'] == 'RandomResizedCrop')
    if cfg.model.type == 'rsfm.SLFFM':
        opts.update({
            'train_dataloader.dataset.data_prefix': dict(img_path='images'),
            f'train_dataloader.dataset.pipeline.{crop}.scale': 64,
            'model.backbone': dict(
                _delete_=True, type=cfg.model.backbone.type,
                arch=dict(depths=[1, 1, 2, 1], dims=[16, 24, 32, 48]),
                drop_path_rate=0.1),
            'model.neck.width': 64,
            'model.target_generator.img_size': 64})
    elif cfg.model.type == 'rsfm.GFM':  # GFM's 192 px, tiny widths
        arch = dict(_delete_=True, embed_dims=16, depths=[1, 1, 1, 1],
                    num_heads=[1, 2, 2, 4])
        opts.update({
            'train_dataloader.dataset.data_prefix': dict(img_path='images'),
            'model.backbone.arch': arch,
            'model.teacher.arch': arch,
            'model.teacher.init_cfg': None,
            'model.neck.in_channels': 128})
    else:  # SpectralGPT: 48 px, 4 groups x 36 tokens
        dataset = cfg.train_dataloader.dataset
        folder = 'bigearthnet' if 'bigearthnet' in dataset.data_root \
            else 'sentinel'
        opts.update({
            'train_dataloader.dataset.data_prefix': dict(img_path=folder),
            f'train_dataloader.dataset.pipeline.{crop}.scale': 48,
            'model.backbone.arch': 'mini',
            'model.backbone.img_size': 48,
            'model.neck.in_channels': 48,
            'model.neck.embed_dims': 32,
            'model.neck.depth': 1,
            'model.neck.num_heads': 4,
            'model.neck.num_patches': 36,
            # one optimizer step per iteration (the recipe accumulates 32)
            'optim_wrapper.accumulative_counts': 1})
    return opts


def _shrunk_pipeline(steps, size):
    """``steps`` (nested in ParallelViews / MultiView / RandomApply) with
    every crop, resize and mask generator at ``size``."""
    out = []
    for step in steps:
        step = dict(step)
        kind = step['type'].split('.')[-1]
        if kind in ('RandomResizedCrop', 'Resize'):
            step['scale'] = size if kind == 'RandomResizedCrop' \
                else (size, size)
        elif kind == 'RandomResizedCropWithGrid':
            step['size'] = size
        elif kind == 'SimMIMMaskGenerator':
            step['input_size'] = size
        for key in ('views', 'transforms'):
            if key in step:
                step[key] = [_shrunk_pipeline(view, size) if
                             isinstance(view, (list, tuple)) else
                             _shrunk_pipeline([view], size)[0]
                             for view in step[key]]
        out.append(step)
    return out


def _contrastive(cfg, root):
    """CMID / GeRSP: 64-px views (a 2 x 2 grid of 32-px cells), tiny
    ResNet or Swin, small heads and queue (16 = a multiple of 2 images x 2
    processes)."""
    dataset = cfg.train_dataloader.dataset
    opts = {'model.queue_len': 16,
            'model.projector': dict(hidden_channels=32, out_channels=8)}
    if cfg.model.type == 'rsfm.GeRSP':
        opts.update({
            'model.backbone.arch': 'tiny',
            'train_dataloader.dataset.unlabeled.data_root': root,
            'train_dataloader.dataset.unlabeled.data_prefix':
            dict(img_path='images'),
            'train_dataloader.dataset.unlabeled.pipeline':
            _shrunk_pipeline(dataset.unlabeled.pipeline, 64),
            'train_dataloader.dataset.labeled.data_root':
            osp.join(root, 'imagenet'),
            'train_dataloader.dataset.labeled.pipeline':
            _shrunk_pipeline(dataset.labeled.pipeline, 64)})
        return opts
    if cfg.model.backbone.type == 'rsfm.MaskedSwin':
        opts['model.backbone.arch'] = dict(
            _delete_=True, embed_dims=16, depths=[1, 1, 1, 1],
            num_heads=[1, 2, 2, 4])
        opts['model.backbone.window_size'] = 2
    else:
        opts['model.backbone.arch'] = 'tiny'
    opts.update({
        'model.neck.in_channels': 128,
        'model.num_matches': 2,
        'model.local_head': dict(out_channels=16, hidden_channels=32,
                                 bottleneck_channels=8),
        'train_dataloader.dataset.data_prefix': dict(img_path='images'),
        'train_dataloader.dataset.pipeline':
        _shrunk_pipeline(dataset.pipeline, 64)})
    return opts


#: model types of the pretraining algorithms (mmpretrain host)
PRETRAINING = ('rsfm.SLFFM', 'rsfm.SpectralGPT', 'rsfm.GFM', 'rsfm.CMID',
               'rsfm.GeRSP')


def _structure(path: str) -> tuple:
    """What the backbone-swap test varies over: the model type and the
    training datasets."""
    cfg = Config.fromfile(path)
    dataset = cfg.train_dataloader.dataset
    parts = dataset.get('datasets', [dataset])
    return cfg.model.type, tuple(d.type for d in parts)


def _first_per_structure(paths):
    seen, first = set(), []
    for path in paths:
        key = _structure(path)
        if key[0] in PRETRAINING:  # the swap test is for downstream models
            continue
        if key not in seen:
            seen.add(key)
            first.append(path)
    return first


#: one config per model structure and dataset (the others differ from it
#: in backbone, weights or evaluation only)
PRIMARY_CONFIGS = _first_per_structure(CONFIGS)

ATTO_DIMS = [40, 80, 160, 320]
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader',
           'submission_dataloader')

#: tiny backbones for the detection and segmentation configs: (backbone
#: update, channels of the four levels)
TINY_BACKBONES = {
    'rsfm.ConvNeXt': (dict(arch='atto', drop_path_rate=0.1), ATTO_DIMS),
    'rsfm.ResNet': (dict(arch='tiny'), [16, 32, 64, 128]),
    'rsfm.SwinTransformer': (dict(arch='mini', window_size=4),
                             [32, 64, 128, 256]),
    'rsfm.SpectralViT': (dict(arch='mini', img_size=32,
                              out_indices=(0, 1, 2, 3)), [48] * 4),
    'rsfm.VisionTransformer': (dict(arch='mini', img_size=32,
                                    out_indices=(0, 1, 2, 3)), [64] * 4),
}

#: tiny backbones of the change-detection configs: (backbone update,
#: channels of the level the BIT head reads)
CD_BACKBONES = {
    'rsfm.ConvNeXt': (dict(arch='atto', drop_path_rate=0.1), ATTO_DIMS[0]),
    'rsfm.ResNet': (dict(arch='tiny'), 64),
    'rsfm.SwinTransformer': (dict(arch='mini', window_size=4), 128),
    'rsfm.SpectralViT': (dict(arch='mini', img_size=32, out_indices=(3, )),
                         48),
}


def _datasets(cfg, loader):
    """``(key prefix, dataset config)`` of a loader, ConcatDataset and
    PairedDataset unpacked."""
    dataset = cfg[loader].dataset
    if dataset.type == 'ConcatDataset':
        return [(f'{loader}.dataset.datasets.{i}', d)
                for i, d in enumerate(dataset.datasets)]
    if dataset.type == 'rsfm.PairedDataset':
        return [(f'{loader}.dataset.{side}', dataset[side])
                for side in ('unlabeled', 'labeled')]
    return [(f'{loader}.dataset', dataset)]


def _data(cfg, root, resize=None, crop=None):
    """Every loader reads ``root`` in the main process (the shipped configs
    keep their GPU recipes' workers); resizes go to ``resize`` and random
    crops to ``crop``."""
    opts = {}
    for loader in LOADERS:
        if loader not in cfg:
            continue
        opts[f'{loader}.num_workers'] = 0
        opts[f'{loader}.persistent_workers'] = False
        for prefix, dataset in _datasets(cfg, loader):
            opts[f'{prefix}.data_root'] = root
            for i, step in enumerate(dataset.get('pipeline', [])):
                kind = step['type'].split('.')[-1]
                if resize and kind in ('Resize', 'RandomResize'):
                    opts[f'{prefix}.pipeline.{i}.scale'] = resize
                if crop and kind.endswith('RandomCrop'):
                    opts[f'{prefix}.pipeline.{i}.crop_size'] = crop
    return opts


def _length(cfg, length):
    """``length`` iterations (or epochs, for epoch-based loops)."""
    unit = 'max_epochs' if 'max_epochs' in cfg.train_cfg else 'max_iters'
    return {
        f'train_cfg.{unit}': length,
        'train_cfg.val_interval': length,
        'default_hooks.logger.interval': 1,
        'default_hooks.checkpoint.interval': max(1, length // 2),
    }


def _tiny_backbone(cfg):
    """Options for the tiny backbone of the config's type, and the channels
    of its four levels."""
    update, channels = TINY_BACKBONES[cfg.model.backbone.type]
    opts = {f'model.backbone.{k}': v for k, v in update.items()}
    opts['model.backbone.init_cfg'] = None
    return opts, channels


def _oriented_rcnn(cfg, root, max_epochs):
    opts = _data(cfg, root, resize=(64, 64))
    backbone, channels = _tiny_backbone(cfg)
    opts.update(backbone)
    opts.update({
        'model.neck.in_channels': channels,
        'model.train_cfg.rpn_proposal.nms_pre': 200,
        'model.train_cfg.rpn_proposal.max_per_img': 100,
        'model.train_cfg.rcnn.sampler.num': 64,
        'model.test_cfg.rpn.nms_pre': 200,
        'model.test_cfg.rpn.max_per_img': 100,
        'train_cfg.max_epochs': max_epochs,
        'default_hooks.logger.interval': 1,
    })
    return opts


def _upernet(cfg, root, length):
    opts = _data(cfg, root, resize=(64, 64), crop=(32, 32))
    backbone, channels = _tiny_backbone(cfg)
    opts.update(backbone)
    opts.update({
        'model.data_preprocessor.size': (32, 32),
        'model.decode_head.in_channels': channels,
        'model.decode_head.channels': 32,
        'model.auxiliary_head.in_channels': channels[2],
        'model.auxiliary_head.channels': 16,
        **_length(cfg, length)
    })
    if cfg.model.test_cfg.mode == 'slide':
        opts['model.test_cfg.crop_size'] = (32, 32)
        opts['model.test_cfg.stride'] = (21, 21)
    return opts


def _change_detection(cfg, root, max_iters):
    """Tiny backbone, 64 (LEVIR-CD) or 32 (OSCD) pixel training crops;
    slide windows of 256 at stride 128 on the 512-pixel LEVIR-CD images,
    of 32 at stride 16 on the 66-pixel OSCD cities. The BIT head keeps its
    structure."""
    oscd = dataset_of(cfg) == 'oscd'
    crop = 32 if oscd else 64
    opts = _data(cfg, root, crop=(crop, crop))
    backbone, channels = CD_BACKBONES[cfg.model.backbone.type]
    opts.update({f'model.backbone.{k}': v for k, v in backbone.items()})
    opts.update({
        'model.backbone.init_cfg': None,
        'model.decode_head.in_channels': channels,
        **_length(cfg, max_iters)
    })
    if cfg.model.test_cfg.mode == 'slide':
        window = 32 if oscd else 256
        opts['model.test_cfg.crop_size'] = (window, window)
        opts['model.test_cfg.stride'] = (window // 2, window // 2)
    return opts


def training_datasets(cfg) -> list:
    """The dataset configs a config trains on (ConcatDataset unpacked)."""
    return [d for _, d in _datasets(cfg, 'train_dataloader')]


#: dataset type -> fixture (a key of the ``roots`` fixture)
FIXTURES = {
    'rsfm.DOTADataset': 'dota',
    'rsfm.DIORRDataset': 'dior_r',
    'PotsdamDataset': 'potsdam',
    'LoveDADataset': 'loveda',
    'rsfm.LEVIRCDDataset': 'levir_cd',
    'rsfm.CDDDataset': 'cdd',
    'rsfm.OSCDDataset': 'oscd',
    'rsfm.UnlabeledImageDataset': 'unlabeled',
}


def dataset_of(cfg) -> str:
    """The fixture a config trains on, from its training dataset."""
    dataset = training_datasets(cfg)[0]
    if dataset.type == 'PotsdamDataset' and \
            dataset.get('img_suffix') == '.tif':
        return 'potsdam_rgbir'
    if dataset.type not in FIXTURES:
        raise NotImplementedError(f'no tiny fixture for {dataset.type}')
    return FIXTURES[dataset.type]


def tiny_config(path: str, roots: dict, length: int = 1) -> Config:
    """The shipped config at ``path``, shrunk; ``length`` = epochs/iters."""
    cfg = Config.fromfile(path)
    root = roots[dataset_of(cfg)]
    if cfg.model.type in PRETRAINING:
        opts = _pretraining(cfg, root, length)
    elif cfg.model.type.endswith('SiamEncoderDecoder'):
        opts = _change_detection(cfg, root, length)
    elif 'roi_head' in cfg.model:
        opts = _oriented_rcnn(cfg, root, length)
    else:
        opts = _upernet(cfg, root, length)
    cfg.merge_from_dict(opts)
    return cfg
