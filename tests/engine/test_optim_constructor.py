import pytest
import torch.nn as nn
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS, init_default_scope

from rsfm.engine import LayerDecayOptimWrapperConstructor
from rsfm.models.backbones import (ConvNeXt, SwinTransformer,
                                   VisionTransformer)


class _Detector(nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = ConvNeXt('atto')
        self.neck = nn.Conv2d(40, 8, 1)


def _groups(paramwise_cfg, model=None):
    constructor = LayerDecayOptimWrapperConstructor(
        dict(optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05)),
        paramwise_cfg)
    wrapper = constructor(model or _Detector())
    return wrapper.optimizer.param_groups


def _group_of(groups, name):
    return next(g for g in groups if name in g['param_names'])


def test_stage_wise_scales_and_flat_decay():
    groups = _groups(dict(layer_decay_rate=0.9, decay_type='stage_wise'))
    # atto: 6 + 2 layers; downsample layers 0, stage k -> k + 1, rest top
    stem = _group_of(groups, 'backbone.downsample_layers.0.0.weight')
    assert stem['lr'] == pytest.approx(1e-4 * 0.9**7)
    assert stem['weight_decay'] == pytest.approx(0.05)
    stage3 = _group_of(groups, 'backbone.stages.3.0.pwconv1.weight')
    assert stage3['lr'] == pytest.approx(1e-4 * 0.9**3)
    gamma = _group_of(groups, 'backbone.stages.3.0.gamma')
    assert gamma['lr'] == stage3['lr'] and gamma['weight_decay'] == 0
    neck = _group_of(groups, 'neck.weight')
    assert neck['lr'] == pytest.approx(1e-4) and neck['weight_decay'] == 0.05
    assert _group_of(groups, 'neck.bias')['weight_decay'] == 0
    norm = _group_of(groups, 'backbone.norm0.weight')
    assert norm['lr'] == pytest.approx(1e-4)
    n_params = sum(len(g['params']) for g in groups)
    assert n_params == len(list(_Detector().parameters()))


def test_layer_wise_and_flat_mult():
    groups = _groups(dict(layer_decay_rate=0.5, flat_decay_mult=1.0))
    s2 = _group_of(groups, 'backbone.stages.2.5.dwconv.weight')  # layer 4
    assert s2['lr'] == pytest.approx(1e-4 * 0.5**3)
    assert _group_of(groups, 'backbone.stages.2.5.gamma')[
        'weight_decay'] == pytest.approx(0.05)


def test_frozen_parameters_are_left_out():
    model = _Detector()
    model.backbone = ConvNeXt('atto', frozen_stages=1)
    groups = _groups(dict(layer_decay_rate=0.9), model)
    names = [n for g in groups for n in g['param_names']]
    assert not any(n.startswith('backbone.stages.0.') for n in names)


def test_no_weight_decay_of_the_backbone_is_honoured():
    """Position embeddings, class tokens and Swin's relative position
    tables get no weight decay (timm, official Swin, BEiT/MAE)."""
    model = _Detector()
    model.backbone = VisionTransformer('mini', img_size=32)
    groups = _groups(dict(layer_decay_rate=0.9), model)
    for name in ('backbone.pos_embed', 'backbone.cls_token'):
        assert _group_of(groups, name)['weight_decay'] == 0
    assert _group_of(groups, 'backbone.blocks.0.attn.qkv.weight')[
        'weight_decay'] == pytest.approx(0.05)
    model.backbone = SwinTransformer('mini', window_size=4)
    groups = _groups(dict(layer_decay_rate=0.9, flat_decay_mult=1.0), model)
    table = 'backbone.layers.0.blocks.0.attn.relative_position_bias_table'
    assert _group_of(groups, table)['weight_decay'] == 0
    assert _group_of(groups, 'backbone.norm0.weight')[
        'weight_decay'] == pytest.approx(0.05)


def test_custom_keys_as_mmengine_and_mmpretrain():
    groups = _groups(dict(layer_decay_rate=0.9, decay_type='stage_wise',
                          custom_keys={
                              'neck': dict(lr_mult=10.),
                              'backbone.stages.3': dict(decay_mult=0.5),
                              'backbone.stages.3.0.gamma': dict(decay_mult=2.),
                          }))
    neck = _group_of(groups, 'neck.weight')
    assert neck['lr'] == pytest.approx(1e-3)
    assert neck['weight_decay'] == pytest.approx(0.05)
    stage3 = _group_of(groups, 'backbone.stages.3.0.pwconv1.weight')
    assert stage3['lr'] == pytest.approx(1e-4 * 0.9**3)
    assert stage3['weight_decay'] == pytest.approx(0.025)
    # the longest key wins, and it overrides the flat rule
    gamma = _group_of(groups, 'backbone.stages.3.0.gamma')
    assert gamma['weight_decay'] == pytest.approx(0.1)
    with pytest.raises(ValueError, match='unknown entries'):
        _groups(dict(layer_decay_rate=0.9,
                     custom_keys={'neck': dict(lr_mul=2.)}))


def test_errors():
    with pytest.raises(ValueError, match='layer_decay_rate'):
        _groups(dict())
    with pytest.raises(ValueError, match="unknown paramwise_cfg keys"):
        _groups(dict(layer_decay_rate=0.9, num_layers=12))
    with pytest.raises(TypeError, match='get_layer_depth'):
        model = nn.Module()
        model.backbone = nn.Conv2d(3, 3, 1)
        _groups(dict(layer_decay_rate=0.9), model)


def test_built_by_name_from_host_scopes():
    for scope in ('mmdet', 'mmrotate', 'mmseg', 'mmpretrain'):
        init_default_scope(scope)
        constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(
            dict(
                type='rsfm.LayerDecayOptimWrapperConstructor',
                optim_wrapper_cfg=dict(
                    optimizer=dict(type='AdamW', lr=1e-4)),
                paramwise_cfg=dict(layer_decay_rate=0.9)))
        assert isinstance(constructor, LayerDecayOptimWrapperConstructor)
