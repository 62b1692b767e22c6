"""Tiny models of the three tasks saved as config + checkpoint files."""
import os.path as osp

import pytest

from tests.apis.scenes import saved_model
from tests.conftest import REPO
from tests.tiny import tiny_config


@pytest.fixture
def seg_model(roots, tmp_path):
    cfg = tiny_config(osp.join(
        REPO, 'configs', 'upernet',
        'upernet_convnext-b-slffm_8xb2-amp-160k_potsdam-512x512.py'), roots)
    return saved_model(cfg, tmp_path, 'seg')


@pytest.fixture
def cd_model(roots, tmp_path):
    cfg = tiny_config(osp.join(
        REPO, 'configs', 'bit',
        'bit_convnext-b-slffm_8xb8-20k_levir-cd-256x256.py'), roots)
    return saved_model(cfg, tmp_path, 'cd', ('unchanged', 'changed'))


@pytest.fixture
def det_model(roots, tmp_path):
    cfg = tiny_config(osp.join(
        REPO, 'configs', 'oriented_rcnn',
        'oriented-rcnn-le90_convnext-b-slffm_fpn_8xb2-1x_dota.py'), roots)
    cfg.model.test_cfg.rcnn.score_thr = 0.  # random weights: keep boxes
    cfg.model.test_cfg.rcnn.max_per_img = 20
    classes = tuple(f'class{i}' for i in range(
        cfg.model.roi_head.bbox_head.num_classes))
    return saved_model(cfg, tmp_path, 'det', classes)
