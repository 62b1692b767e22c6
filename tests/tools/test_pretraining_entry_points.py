"""Pretraining with the real entry points (CPU, gloo): tools/dist_train.sh
with 2 processes on each algorithm's tiny config, then the chain to a
downstream backbone."""
import os.path as osp
import subprocess
import sys

import pytest
import torch

from rsfm.models.backbones import ConvNeXt
from tests.tools.test_entry_points import _config, _run
from tests.tiny import tiny_config

pytestmark = pytest.mark.slow


def test_slffm_dist_train_then_downstream_backbone(roots, tmp_path):
    cfg = tiny_config(_config('slffm_convnext-b_'), roots, 2)
    cfg_path = str(tmp_path / 'tiny.py')
    cfg.dump(cfg_path)
    work = str(tmp_path / 'work')
    out = _run(['bash', 'tools/dist_train.sh', cfg_path, '2', '--work-dir',
                work])
    assert 'loss: ' in out
    ckpt = osp.join(work, 'epoch_2.pth')
    assert osp.isfile(ckpt)
    # a downstream backbone reads the training checkpoint directly: every
    # encoder tensor lands, only its new output norms are initialised
    backbone = ConvNeXt(dict(depths=[1, 1, 2, 1], dims=[16, 24, 32, 48]),
                        init_cfg=dict(type='Pretrained', checkpoint=ckpt))
    backbone.init_weights()
    report = backbone.pretrained_report
    assert report.unexpected == [] and report.mismatched == []
    assert all(k.startswith('norm') for k in report.missing)
    # ... or the backbone-only file extract_backbone.py writes
    dst = str(tmp_path / 'slffm_backbone.pth')
    _run([sys.executable, 'tools/model_converters/extract_backbone.py', ckpt,
          dst])
    extracted = torch.load(dst, weights_only=True)['state_dict']
    assert set(extracted) == set(report.matched)
    for key, value in extracted.items():
        torch.testing.assert_close(backbone.state_dict()[key], value)
    # never over an existing file
    proc = subprocess.run(
        [sys.executable, 'tools/model_converters/extract_backbone.py', ckpt,
         dst], capture_output=True, text=True)
    assert proc.returncode != 0 and 'exists' in proc.stderr


def test_spectralgpt_dist_train_then_downstream_backbone(roots, tmp_path):
    """13-band GeoTIFFs, B10 dropped, min-max per band; the checkpoint
    initialises the downstream spectral ViT."""
    from rsfm.models.backbones import SpectralViT
    cfg = tiny_config(_config(
        'spectralgpt_vit-b_8xb16-accum32-amp-200e_fmow-sentinel-96.py'),
        roots, 2)
    cfg_path = str(tmp_path / 'tiny.py')
    cfg.dump(cfg_path)
    work = str(tmp_path / 'work')
    out = _run(['bash', 'tools/dist_train.sh', cfg_path, '2', '--work-dir',
                work])
    assert 'loss_rec: ' in out and 'loss_spectral: ' in out
    backbone = SpectralViT('mini', img_size=48, init_cfg=dict(
        type='Pretrained', checkpoint=osp.join(work, 'epoch_2.pth')))
    backbone.init_weights()
    report = backbone.pretrained_report
    # the encoder's final norm has no place in the pyramid model
    assert report.unexpected == ['norm.bias', 'norm.weight']
    assert report.mismatched == []
    # only the downstream pyramid (and spectral fusion) is new
    assert all(k.startswith(('fpn', 'spectral_fuse'))
               for k in report.missing), report.missing


def test_gfm_dist_train_then_downstream_backbone(roots, tmp_path):
    """Masks from the pipeline (SimMIMMaskGenerator), a frozen teacher
    under DDP; the student initialises the downstream Swin."""
    from rsfm.models.backbones import SwinTransformer
    cfg = tiny_config(_config('gfm_swin-b_'), roots, 2)
    cfg_path = str(tmp_path / 'tiny.py')
    cfg.dump(cfg_path)
    work = str(tmp_path / 'work')
    out = _run(['bash', 'tools/dist_train.sh', cfg_path, '2', '--work-dir',
                work])
    assert 'loss_rec: ' in out and 'loss_distill: ' in out
    arch = dict(embed_dims=16, depths=[1, 1, 1, 1], num_heads=[1, 2, 2, 4])
    backbone = SwinTransformer(arch, window_size=7, init_cfg=dict(
        type='Pretrained', checkpoint=osp.join(work, 'epoch_2.pth')))
    backbone.init_weights()
    report = backbone.pretrained_report
    # the student only (not the teacher); its mask token has no use here
    assert report.unexpected == ['mask_token'] and report.mismatched == []
    assert all(k.startswith('norm') for k in report.missing)


def _extracted_loads_clean(ckpt, backbone_factory, tmp_path):
    """extract_backbone.py leaves the mask token out: the downstream
    backbone loads the file with nothing missing or unexpected."""
    dst = str(tmp_path / 'backbone.pth')
    _run([sys.executable, 'tools/model_converters/extract_backbone.py', ckpt,
          dst])
    backbone = backbone_factory(dict(type='Pretrained', checkpoint=dst))
    backbone.init_weights()
    return backbone.pretrained_report


@pytest.mark.parametrize('name',
                         ['cmid_resnet-50_4xb64', 'cmid_swin-b_4xb64'])
def test_cmid_dist_train_then_downstream_backbone(name, roots, tmp_path):
    """Two views with masks and cell grids from the pipeline, the EMA
    teacher, queue and centre under DDP (gloo); the student initialises the
    downstream ResNet / Swin."""
    from rsfm.models.backbones import ResNet, SwinTransformer
    cfg = tiny_config(_config(name), roots, 2)
    cfg_path = str(tmp_path / 'tiny.py')
    cfg.dump(cfg_path)
    work = str(tmp_path / 'work')
    out = _run(['bash', 'tools/dist_train.sh', cfg_path, '2', '--work-dir',
                work])
    assert all(f'{k}: ' in out for k in ('loss_rec', 'loss_global',
                                         'loss_pixel'))
    ckpt = osp.join(work, 'epoch_2.pth')
    state = torch.load(ckpt, map_location='cpu', weights_only=False)

    if 'resnet' in name:
        def factory(init_cfg):
            return ResNet(arch='tiny', init_cfg=init_cfg)
    else:
        def factory(init_cfg):
            return SwinTransformer(
                dict(embed_dims=16, depths=[1, 1, 1, 1],
                     num_heads=[1, 2, 2, 4]), window_size=2,
                init_cfg=init_cfg)
    backbone = factory(dict(type='Pretrained', checkpoint=ckpt))
    backbone.init_weights()
    report = backbone.pretrained_report
    # the student (not the teacher: its keys are teacher_backbone.*)
    assert report.unexpected == ['mask_token'] and report.mismatched == []
    assert all(k.startswith('norm') for k in report.missing)
    torch.testing.assert_close(
        backbone.state_dict()['patch_embed.proj.weight' if 'swin' in name
                              else 'conv1.weight'],
        state['state_dict']['backbone.' + ('patch_embed.proj.weight'
                                           if 'swin' in name
                                           else 'conv1.weight')])
    clean = _extracted_loads_clean(ckpt, factory, tmp_path)
    assert clean.unexpected == [] and clean.mismatched == []
    assert all(k.startswith('norm') for k in clean.missing)


def test_gersp_dist_train_then_downstream_backbone(roots, tmp_path):
    """RS pairs and labelled natural images (PairedDataset), shuffled BN
    and the key queue under DDP (gloo); the student initialises the
    downstream ResNet with a clean report."""
    from rsfm.models.backbones import ResNet
    cfg = tiny_config(_config('gersp_resnet-50_'), roots, 2)
    cfg_path = str(tmp_path / 'tiny.py')
    cfg.dump(cfg_path)
    work = str(tmp_path / 'work')
    out = _run(['bash', 'tools/dist_train.sh', cfg_path, '2', '--work-dir',
                work])
    assert 'loss_contrastive: ' in out and 'loss_sup: ' in out \
        and 'sup_acc_top1: ' in out
    ckpt = osp.join(work, 'epoch_2.pth')
    backbone = ResNet(arch='tiny', init_cfg=dict(type='Pretrained',
                                                 checkpoint=ckpt))
    backbone.init_weights()
    report = backbone.pretrained_report
    assert report.missing == [] and report.unexpected == [] \
        and report.mismatched == []
