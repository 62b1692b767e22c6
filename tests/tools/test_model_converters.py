"""tools/model_converters/*.py on each paper's checkpoint layout."""
import argparse
import subprocess
import sys

import pytest
import torch

from rsfm.models.backbones import (ConvNeXt, ResNet, SpectralViT,
                                   SwinTransformer)
from tests.conftest import REPO


def _slffm():
    model = ConvNeXt('atto', out_norms=False)
    return model, {'module': {f'sparse_encoder.sp_cnn.{k}': v
                              for k, v in model.state_dict().items()},
                   'arch': 'convnext_atto', 'epoch': 1}


def _cmid_resnet():
    model = ResNet(arch='tiny')
    sd = {f'online_encoder.model.{k}': v
          for k, v in model.state_dict().items()}
    sd.update({f'branch_encoder.{k}': v
               for k, v in model.state_dict().items()})
    return model, {'model': sd, 'epoch': 200}


def _gfm():
    model = SwinTransformer('mini', window_size=6, out_norms=False)
    return model, {'model': {f'encoder.{k}': v
                             for k, v in model.state_dict().items()}}


def _gersp():
    model = ResNet(arch='tiny')
    return model, {'state_dict': {f'backbone.{k}': v
                                  for k, v in model.state_dict().items()}}


def _spectralgpt():
    model = SpectralViT('mini', img_size=32, out_type='raw')
    sd = dict(model.state_dict())
    sd['decoder_pred.weight'] = torch.zeros(4, 4)
    return model, {'model': sd, 'args': argparse.Namespace(lr=1.)}


@pytest.mark.parametrize('script,make,arch', [
    ('slffm', _slffm, None),
    ('cmid', _cmid_resnet, 'resnet'),
    ('gfm', _gfm, None),
    ('gersp', _gersp, None),
    ('spectralgpt', _spectralgpt, None),
])
def test_converter(script, make, arch, tmp_path):
    model, checkpoint = make()
    src, dst = tmp_path / 'src.pth', tmp_path / 'dst.pth'
    torch.save(checkpoint, src)
    cmd = [sys.executable, f'tools/model_converters/{script}.py', str(src),
           str(dst)] + (['--arch', arch] if arch else [])
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert 'wrote' in proc.stdout + proc.stderr
    converted = torch.load(dst, weights_only=True)
    keys = set(converted['state_dict'])
    assert set(model.state_dict()) <= keys
    assert converted['meta']['source'] == 'src.pth'
    for key, value in model.state_dict().items():
        torch.testing.assert_close(converted['state_dict'][key], value)
    # never overwrite
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert proc.returncode != 0 and 'exists' in proc.stderr


def test_slffm_official2rsfm_whole_model(tmp_path):
    """SMLFR's whole pretraining file -> rsfm.SLFFM keys, loadable with
    every tensor."""
    from tests.models.pretrain.test_slffm import _official_state_dict, _slffm
    sd = _official_state_dict()
    sd['config'] = {'mask_ratio': 0.6}
    src, dst = tmp_path / 'pcfm_style.pth', tmp_path / 'slffm_rsfm.pth'
    torch.save({'module': sd, 'epoch': 1}, src)
    subprocess.run([sys.executable,
                    'tools/model_converters/slffm_official2rsfm.py',
                    str(src), str(dst)], cwd=REPO, check=True,
                   capture_output=True)
    converted = torch.load(dst, weights_only=True)['state_dict']
    model = _slffm()
    assert set(converted) == set(model.state_dict())
    model.load_state_dict(converted, strict=True)


def test_spectralgpt_official2rsfm_whole_model(tmp_path):
    from tests.models.pretrain.test_spectralgpt import (_model,
                                                        _official_state_dict)
    src, dst = tmp_path / 'checkpoint-199.pth', tmp_path / 'sgpt_rsfm.pth'
    torch.save({'model': _official_state_dict(), 'epoch': 199,
                'args': argparse.Namespace(model='mae_vit_base_patch8_96')},
               src)
    subprocess.run([sys.executable,
                    'tools/model_converters/spectralgpt_official2rsfm.py',
                    str(src), str(dst)], cwd=REPO, check=True,
                   capture_output=True)
    converted = torch.load(dst, weights_only=True)['state_dict']
    _model().load_state_dict(converted, strict=True)


def test_gfm_official2rsfm_training_file(tmp_path):
    from tests.models.pretrain.test_gfm import _gfm, _official_file
    source = _gfm()
    src, dst = tmp_path / 'ckpt_epoch_99.pth', tmp_path / 'gfm_rsfm.pth'
    _official_file(source, src)
    subprocess.run([sys.executable, 'tools/model_converters/gfm_official2rsfm.py',
                    str(src), str(dst)], cwd=REPO, check=True,
                   capture_output=True)
    converted = torch.load(dst, weights_only=True)['state_dict']
    _gfm().load_state_dict(converted, strict=True)


def test_cmid_official2rsfm_whole_model_file(tmp_path):
    from tests.models.pretrain.test_cmid import _cmid, _official_file
    source = _cmid()
    src, dst = tmp_path / 'epoch_199.pth', tmp_path / 'cmid_rsfm.pth'
    _official_file(source, src, swin=False)
    proc = subprocess.run(
        [sys.executable, 'tools/model_converters/cmid_official2rsfm.py',
         str(src), str(dst)], cwd=REPO, check=True, capture_output=True,
        text=True)
    assert 'inert stand-ins' in proc.stdout + proc.stderr
    converted = torch.load(dst, weights_only=True)['state_dict']
    _cmid().load_state_dict(converted, strict=True)


def test_gersp_official2rsfm_training_file(tmp_path):
    from tests.models.pretrain.test_gersp import _gersp, _official_file
    source = _gersp()
    src, dst = tmp_path / 'epoch_100.pth', tmp_path / 'gersp_rsfm.pth'
    _official_file(source, src)
    subprocess.run([sys.executable,
                    'tools/model_converters/gersp_official2rsfm.py',
                    str(src), str(dst)], cwd=REPO, check=True,
                   capture_output=True)
    converted = torch.load(dst, weights_only=True)['state_dict']
    _gersp().load_state_dict(converted, strict=True)
