"""Every shipped config: naming, scope, model build, one training step."""
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import default_collate, pseudo_collate
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DATASETS, MODELS, init_default_scope

from rsfm.engine.runner import amp_fallback
from tests.tiny import (CONFIGS, PRIMARY_CONFIGS, tiny_config,
                        training_datasets)

HOSTS = {'mmrotate', 'mmseg', 'mmdet', 'mmpretrain'}
# {algorithm}_{backbone}[-{pretrain}][_{neck/head}]_{N}xb{M}-{schedule}_{dataset}
NAME = re.compile(r'^[a-z0-9-]+(_[a-z0-9-]+)+_\d+xb\d+-[a-z0-9-]+_[a-z0-9-]+'
                  r'\.py$')


def test_configs_are_shipped():
    assert {osp.basename(osp.dirname(p)) for p in CONFIGS} >= {
        'oriented_rcnn', 'upernet', 'bit'}


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_header_and_scope(path):
    with open(path) as f:
        assert f.readline().startswith('custom_imports = dict('), \
            'configs begin with their custom_imports line'
    assert NAME.match(osp.basename(path)), osp.basename(path)
    cfg = Config.fromfile(path)
    assert cfg.default_scope in HOSTS
    assert cfg.runner_type == 'rsfm.Runner'
    assert 'rsfm.models' in cfg.custom_imports['imports']
    for dataset in training_datasets(cfg):
        assert not osp.isabs(dataset.data_root)
    # rsfm types are written with the rsfm. prefix
    assert cfg.model.backbone.type.startswith('rsfm.')
    # shipped recipes keep upstream's GPU loaders (tests shrink them)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if key in cfg or key == 'train_dataloader':  # pretraining: no eval
            assert cfg[key].num_workers >= 2 and cfg[key].persistent_workers


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_one_training_step(path, roots):
    one_training_step(tiny_config(path, roots))


# every rsfm backbone inside each task's model structure
BACKBONES = {
    'convnext-atto': (dict(type='rsfm.ConvNeXt', arch='atto'),
                      [40, 80, 160, 320]),
    'resnet-tiny': (dict(type='rsfm.ResNet', arch='tiny'),
                    [16, 32, 64, 128]),
    'swin-mini': (dict(type='rsfm.SwinTransformer', arch='mini',
                       window_size=4), [32, 64, 128, 256]),
    'vit-mini': (dict(type='rsfm.VisionTransformer', arch='mini',
                      img_size=64), [64, 64, 64, 64]),
    # RGB fixtures: one spectral group of 3 bands
    'spectral-vit-mini': (dict(type='rsfm.SpectralViT', arch='mini',
                               img_size=64, in_channels=3,
                               bands=('R', 'G', 'B')), [48, 48, 48, 48]),
}


@pytest.mark.parametrize('backbone', sorted(BACKBONES))
@pytest.mark.parametrize('path', PRIMARY_CONFIGS, ids=osp.basename)
def test_backbone_in_config_structure(path, backbone, roots):
    cfg = tiny_config(path, roots)
    backbone_cfg, channels = BACKBONES[backbone]
    num_bands = cfg.model.backbone.get('in_channels', 3)
    cfg.model.backbone = dict(backbone_cfg)
    if num_bands != 3:  # an N-band config: the backbone takes N bands
        cfg.model.backbone.update(in_channels=num_bands,
                                  bands=[f'b{i}' for i in range(num_bands)])
        if backbone.startswith('spectral'):
            cfg.model.backbone.t_patch_size = 1
    if cfg.model.type.endswith('SiamEncoderDecoder'):
        # BIT reads one level: the first stage, or a ViT's last block
        cfg.model.backbone.out_indices = (3, ) if 'vit' in backbone \
            else (0, )
        cfg.model.decode_head.in_channels = channels[0]
    elif 'decode_head' in cfg.model:
        cfg.model.decode_head.in_channels = channels
        cfg.model.auxiliary_head.in_channels = channels[2]
    if 'neck' in cfg.model and 'in_channels' in cfg.model.neck:
        cfg.model.neck.in_channels = channels
    if 'vit' in backbone and 'paramwise_cfg' in cfg.optim_wrapper:
        # ViTs have blocks, not stages
        cfg.optim_wrapper.paramwise_cfg.decay_type = 'layer_wise'
    one_training_step(cfg)


def one_training_step(cfg):
    """Build the model under the config's scope and run one optimizer step
    and one validation step on the fixture."""
    init_default_scope(cfg.default_scope)
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    model.init_weights()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(dataset) >= 2
    collate = cfg.train_dataloader.get('collate_fn', {}).get('type')
    batch = (default_collate if collate == 'default_collate' else
             pseudo_collate)([dataset[0], dataset[1]])
    # as rsfm.Runner does: fp16 AMP falls back to fp32 without a GPU
    optim_wrapper = build_optim_wrapper(model, amp_fallback(cfg.optim_wrapper))
    last = [p for p in model.backbone.parameters() if p.requires_grad][-1]
    before = last.detach().clone()
    model.train()
    losses = model.train_step(batch, optim_wrapper)
    assert losses and all(torch.isfinite(v).all() for v in losses.values())
    assert not torch.equal(before, last), 'the optimizer step moved nothing'
    if 'val_dataloader' not in cfg:  # pretraining
        return
    # the evaluation dataset builds on the fixture too
    val_set = DATASETS.build(cfg.val_dataloader.dataset)
    model.eval()
    with torch.no_grad():
        preds = model.val_step(pseudo_collate([val_set[0]]))
    assert len(preds) == 1
