"""The registry/scope rule: rsfm types build as rsfm.X from every host."""
import subprocess
import sys

import pytest
import torch
from mmengine.registry import MODELS, init_default_scope

from rsfm.models.backbones import ConvNeXt
from tests.conftest import REPO


@pytest.mark.parametrize('scope', ['mmdet', 'mmrotate', 'mmseg', 'mmpretrain'])
def test_convnext_builds_from_host_scope(scope):
    init_default_scope(scope)
    model = MODELS.build(dict(type='rsfm.ConvNeXt', arch='atto',
                              in_channels=4))
    assert isinstance(model, ConvNeXt)
    assert model(torch.randn(1, 4, 32, 32))[0].shape == (1, 40, 8, 8)


def test_registry_nodes_are_children_of_mmengine_roots():
    from mmengine import registry as mm
    from rsfm import registry as rs
    for name in ('MODELS', 'DATASETS', 'RUNNERS', 'MODEL_WRAPPERS',
                 'OPTIM_WRAPPER_CONSTRUCTORS'):
        node = getattr(rs, name)
        assert node.scope == 'rsfm' and node.parent is getattr(mm, name)


def test_import_rsfm_is_light():
    code = ('import sys, rsfm; heavy = [m for m in ("mmdet", "mmseg", '
            '"mmrotate", "mmpretrain", "torch") if m in sys.modules]; '
            'print(rsfm.__version__, heavy)')
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith('[]')
