"""The registry/scope rule: rsfm types build as rsfm.X from every host."""
import subprocess
import sys

import pytest
import torch
from mmengine.registry import MODELS, init_default_scope

from tests.conftest import REPO


BACKBONES = [
    dict(type='rsfm.ConvNeXt', arch='atto'),
    dict(type='rsfm.ResNet', arch='tiny'),
    dict(type='rsfm.SwinTransformer', arch='mini', window_size=4),
    dict(type='rsfm.VisionTransformer', arch='mini', img_size=32),
    dict(type='rsfm.SpectralViT', arch='mini', img_size=32, in_channels=6,
         bands=('B02', 'B03', 'B04', 'B08', 'B11', 'B12')),
]


@pytest.mark.parametrize('scope', ['mmdet', 'mmrotate', 'mmseg', 'mmpretrain'])
@pytest.mark.parametrize('cfg', BACKBONES, ids=lambda c: c['type'])
def test_backbone_builds_from_host_scope(scope, cfg):
    init_default_scope(scope)
    model = MODELS.build(dict(cfg, in_channels=cfg.get('in_channels', 4))
                         if 'bands' not in cfg else dict(cfg))
    assert type(model).__name__ == cfg['type'][len('rsfm.'):]
    outs = model.eval()(torch.randn(1, model.in_channels, 32, 32))
    assert len(outs) == 4 and all(o.dim() == 4 for o in outs)


def test_registry_nodes_are_children_of_mmengine_roots():
    from mmengine import registry as mm
    from rsfm import registry as rs
    for name in ('MODELS', 'DATASETS', 'TRANSFORMS', 'RUNNERS', 'OPTIMIZERS',
                 'OPTIM_WRAPPER_CONSTRUCTORS', 'HOOKS', 'METRICS'):
        node = getattr(rs, name)
        assert node.scope == 'rsfm' and node.parent is getattr(mm, name)


def test_import_rsfm_is_light():
    code = ('import sys, rsfm; heavy = [m for m in ("mmdet", "mmseg", '
            '"mmrotate", "mmpretrain", "torch") if m in sys.modules]; '
            'print(rsfm.__version__, heavy)')
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith('[]')


HOSTS = ('mmdet', 'mmrotate', 'mmseg', 'mmpretrain')


@pytest.mark.parametrize('module', [
    'rsfm.models', 'rsfm.datasets', 'rsfm.engine', 'rsfm.checkpoint',
    'rsfm.models.data_preprocessors', 'rsfm.apis'
])
def test_core_imports_no_host(module):
    """Host-specific code lives in subpackages that configs import
    (rsfm.datasets.rotated, rsfm.models.data_preprocessors.det, ...)."""
    code = (f'import sys, {module}; print([m for m in {HOSTS!r} '
            f'if m in sys.modules], "mmcv.ops" in sys.modules)')
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == '[] False'
