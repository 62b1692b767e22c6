"""The contrastive pipelines' transforms and GeRSP's paired dataset."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from mmengine.registry import init_default_scope

from rsfm.datasets import (ColorJitter, GaussNoise, PairedDataset,
                           ParallelViews, RandomResizedCropWithGrid)
from rsfm.datasets.transforms.views import shift_hue


def _coordinates(height=120, width=160):
    """An image whose pixels hold their own (row, col)."""
    rows, cols = np.meshgrid(np.arange(height), np.arange(width),
                             indexing='ij')
    return np.stack([rows, cols, np.zeros_like(rows)], -1).astype(
        np.float32)


@pytest.mark.parametrize('flip', [0., 1.])
def test_grid_locates_each_output_cell_in_the_input(flip):
    np.random.seed(0)
    crop = RandomResizedCropWithGrid(size=64, crop_ratio_range=(0.2, 0.5),
                                     flip_prob=flip, grid_stride=16)
    out = crop(dict(img=_coordinates()))
    assert out['img'].shape == (64, 64, 3) and out['grid'].shape == (4, 4, 2)
    for r in range(4):
        for c in range(4):
            # the 2x2 pixels around the output cell's centre hold the input
            # coordinates of that centre (bilinear resize of a linear ramp)
            centre = out['img'][16 * r + 7:16 * r + 9,
                                16 * c + 7:16 * c + 9, :2].mean((0, 1))
            np.testing.assert_allclose(centre, out['grid'][r, c], atol=0.6)
    cols = out['grid'][0, :, 1]
    assert (np.diff(cols) < 0).all() if flip else (np.diff(cols) > 0).all()


def test_official_offsets_ignore_where_the_crop_lies():
    np.random.seed(3)
    out = RandomResizedCropWithGrid(size=64, crop_ratio_range=(0.2, 0.3),
                                    flip_prob=0., grid_stride=32,
                                    official_offsets=True)(
                                        dict(img=_coordinates()))
    top_left = out['img'][:2, :2, :2].mean((0, 1))
    assert (top_left > 5).any()  # the crop does not start at (0, 0) ...
    # ... but CMID's grid starts within a pixel of it (offset in [0, 1])
    h = out['grid'][1, 0, 0] - out['grid'][0, 0, 0]
    assert 0 <= out['grid'][0, 0, 0] - h / 2 <= 1


def test_gauss_noise_and_color_jitter_keep_uint8():
    np.random.seed(0)
    img = np.full((32, 32, 3), 128, np.uint8)
    noisy = GaussNoise(var_limit=(10., 50.), prob=1.)(dict(img=img))['img']
    assert noisy.dtype == np.uint8
    assert 2 < (noisy.astype(float) - 128).std() < 8  # sigma in [3.2, 7.1]
    assert GaussNoise(prob=0.)(dict(img=img))['img'] is img
    colourful = np.random.randint(0, 255, (16, 16, 3), np.uint8)
    # negative hue shifts (mmcv's adjust_hue fails on them under numpy 2)
    back = shift_hue(shift_hue(colourful, -0.25), 0.25)
    assert np.abs(back.astype(int) - colourful).mean() < 3  # PIL's HSV
    assert np.abs(shift_hue(colourful, 0.).astype(int) -
                  colourful).mean() < 1
    out = ColorJitter(0.4, 0.4, 0.2, 0.1)(dict(img=colourful))['img']
    assert out.dtype == np.uint8 and out.shape == colourful.shape
    with pytest.raises(ValueError, match='hue must be <= 0.5'):
        ColorJitter(hue=0.7)


def test_parallel_views_keep_their_records():
    init_default_scope('mmpretrain')
    crop = dict(type='rsfm.RandomResizedCropWithGrid', size=64,
                grid_stride=32)
    mask = dict(type='SimMIMMaskGenerator', input_size=64,
                mask_patch_size=32, model_patch_size=4, mask_ratio=0.6)
    views = ParallelViews(
        views=[[crop, mask], [crop, dict(type='rsfm.GaussNoise', prob=1.),
                              mask]],
        collect=dict(mask='mask', grid='locations'))
    out = views(dict(img=np.zeros((96, 96, 3), np.uint8)))
    assert len(out['img']) == 2 and out['img'][0].shape == (64, 64, 3)
    assert out['mask'].shape == (2, 16, 16)
    assert out['locations'].shape == (2, 2, 2, 2)
    with pytest.raises(KeyError, match="view 1 of ParallelViews recorded no "
                                       "'mask'"):
        ParallelViews(views=[[crop, mask], [crop]],
                      collect=dict(mask='mask'))(
                          dict(img=np.zeros((96, 96, 3), np.uint8)))


def _paired(root, rs_root=None):
    init_default_scope('mmpretrain')
    load = [dict(type='rsfm.LoadRGBImage')]
    return PairedDataset(
        unlabeled=dict(type='rsfm.UnlabeledImageDataset',
                       data_root=rs_root or osp.join(root, 'images'),
                       pipeline=load),
        labeled=dict(type='ImageNet', data_root=osp.join(root, 'imagenet'),
                     split='train', pipeline=load))


def test_pairs_repeat_the_shorter_side_in_sorted_order(unlabeled_root,
                                                       tmp_path):
    dataset = _paired(unlabeled_root)
    assert len(dataset) == 5  # 5 RS images, 4 ImageNet images
    pairs = [(osp.basename(item['img_path']),
              osp.basename(item['labeled_img_path']), int(item['gt_label']))
             for item in (dataset[i] for i in range(len(dataset)))]
    assert pairs == [('P0001.png', 'n01440764_1.JPEG', 0),
                     ('P0002.png', 'n01440764_2.JPEG', 0),
                     ('m_3807504_ne_18_1.tif', 'n01443537_1.JPEG', 1),
                     ('airport_001.jpg', 'n01484850_1.JPEG', 2),
                     ('bridge_002.jpg', 'n01440764_1.JPEG', 0)]
    # the same pairs from a copy written in another order
    copy = tmp_path / 'images'
    for folder, _, names in sorted(os.walk(osp.join(unlabeled_root,
                                                    'images')),
                                   reverse=True):
        for name in sorted(names, reverse=True):
            dst = copy / osp.relpath(osp.join(folder, name),
                                     osp.join(unlabeled_root, 'images'))
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(osp.join(folder, name), dst)
    again = _paired(unlabeled_root, str(copy))
    assert [osp.basename(again[i]['img_path']) for i in range(5)] == \
        [p[0] for p in pairs]
    assert dataset.metainfo['classes'][0].startswith('tench')


def test_empty_side_is_an_error(unlabeled_root):
    dataset = _paired(unlabeled_root)
    with pytest.raises(ValueError, match='the labeled dataset list is '
                                         'empty'):
        PairedDataset(dataset.unlabeled, [])
