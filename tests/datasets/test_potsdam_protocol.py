"""The Potsdam protocol of the shipped config: 5 classes, boundary and
clutter ignored (255), as SMLFR evaluates."""
import os.path as osp

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.registry import DATASETS, init_default_scope

from tests.tiny import CONFIGS


def test_boundary_and_clutter_are_ignored(potsdam_root):
    path = next(p for p in CONFIGS if 'potsdam' in osp.basename(p))
    cfg = Config.fromfile(path)
    init_default_scope(cfg.default_scope)
    ds_cfg = cfg.val_dataloader.dataset
    ds_cfg.data_root = potsdam_root
    dataset = DATASETS.build(ds_cfg)
    assert dataset.metainfo['classes'] == (
        'impervious_surface', 'building', 'low_vegetation', 'tree', 'car')
    assert cfg.model.decode_head.num_classes == 5
    sample = dataset[0]
    seg = sample['data_samples'].gt_sem_seg.data.numpy()[0]
    raw = cv2.imread(sample['data_samples'].seg_map_path, cv2.IMREAD_UNCHANGED)
    assert set(np.unique(raw)) == set(range(7))  # fixture has every label
    expected = np.where((raw == 0) | (raw == 6), 255, raw.astype(int) - 1)
    np.testing.assert_array_equal(seg, expected)
