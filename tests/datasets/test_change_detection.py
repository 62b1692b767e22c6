"""Bitemporal transforms, loaders and datasets."""
import os.path as osp

import cv2
import numpy as np
import pytest
import rasterio
import torch
from mmengine.registry import init_default_scope

from rsfm.datasets.change_detection import (
    CDDDataset, LEVIRCDDataset, MultiImgExchangeTime, MultiImgLoadAnnotations,
    MultiImgLoadImageFromFile, MultiImgLoadMultiBandImage,
    MultiImgMinMaxNormalize, MultiImgPackSegInputs,
    MultiImgPhotoMetricDistortion, MultiImgRandomCrop, MultiImgRandomFlip,
    MultiImgRandomRot90, MultiImgRandomRotate, OSCDDataset)


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def _pair(seed=0, h=40, w=48, channels=3):
    """Two identical dates with no zero pixel, and a label that is a
    function of the pixels (1 where band 0 is odd)."""
    rng = np.random.default_rng(seed)
    img = rng.integers(1, 256, (h, w, channels)).astype(np.uint8)
    label = (img[..., 0] % 2).astype(np.uint8)
    return dict(img=[img, img.copy()], gt_seg_map=label,
                seg_fields=['gt_seg_map'], img_shape=(h, w),
                img_path=['a.png', 'b.png'])


@pytest.mark.parametrize('transform', [
    MultiImgRandomCrop(crop_size=(24, 16)),
    MultiImgRandomCrop(crop_size=24, cat_max_ratio=0.6),
    MultiImgRandomFlip(prob=1., direction='horizontal'),
    MultiImgRandomFlip(prob=1., direction='vertical'),
    MultiImgRandomFlip(prob=1., direction='diagonal'),
    MultiImgRandomRot90(prob=1.),
], ids=repr)
def test_exact_geometry_is_applied_to_both_dates_and_the_label(transform):
    for seed in range(8):
        np.random.seed(seed)
        out = transform(_pair(seed))
        date1, date2 = out['img']
        # one set of parameters for both dates (a per-date draw fails)
        np.testing.assert_array_equal(date1, date2)
        # and for the label: it is still the function of the pixels
        np.testing.assert_array_equal(out['gt_seg_map'], date1[..., 0] % 2)
        assert out['img_shape'] == date1.shape[:2]
        # and it did something
        assert not np.array_equal(date1, _pair(seed)['img'][0])


def test_rotation_is_applied_to_both_dates_and_the_label():
    rotate = MultiImgRandomRotate(prob=1., degree=180)
    for seed in range(5):
        np.random.seed(seed)
        out = rotate(_pair(seed, 64, 64))
        date1, date2 = out['img']
        np.testing.assert_array_equal(date1, date2)
        # pixels rotated in from outside: image padding 0, label 255
        outside_img = (date1 == 0).all(axis=2)
        outside_seg = out['gt_seg_map'] == 255
        assert outside_seg.sum() > 0
        assert (outside_img == outside_seg).mean() > 0.97


def test_exchange_time_swaps_the_dates():
    results = _pair()
    results['img'][1] = results['img'][1] // 2
    first, second = results['img']
    np.random.seed(0)
    out = MultiImgExchangeTime(prob=1.)(results)
    assert out['img'][0] is second and out['img'][1] is first
    assert MultiImgExchangeTime(prob=0.)(out)['img'][0] is second


def test_photometric_distortion_draws_per_date_and_refuses_multispectral():
    np.random.seed(1)
    out = MultiImgPhotoMetricDistortion(brightness_delta=60)(_pair())
    assert not np.array_equal(out['img'][0], out['img'][1])
    with pytest.raises(ValueError, match='3-band images; a.png gives'):
        MultiImgPhotoMetricDistortion()(_pair(channels=13))


def test_min_max_normalise_per_date_and_band():
    results = _pair(channels=4)
    results['img'][1] = results['img'][1].astype(np.uint16) * 10
    results['img'][1][..., 3] = 7  # a constant band
    out = MultiImgMinMaxNormalize()(results)
    for img in out['img']:
        assert img.dtype == np.float32 and img.min() == 0
    np.testing.assert_allclose(out['img'][0].max(axis=(0, 1)), 1)
    np.testing.assert_allclose(out['img'][1].max(axis=(0, 1)), [1, 1, 1, 0])


def test_pack_stacks_the_dates_on_channels():
    results = _pair(channels=2)
    results['img'][1] = results['img'][1].astype(np.uint16)
    packed = MultiImgPackSegInputs()(results)
    assert packed['inputs'].shape == (4, 40, 48)
    assert packed['inputs'].dtype == torch.float32  # uint16 -> float32
    torch.testing.assert_close(packed['inputs'][:2], packed['inputs'][2:])
    assert packed['data_samples'].gt_sem_seg.data.shape == (1, 40, 48)
    assert packed['data_samples'].img_path == ['a.png', 'b.png']
    assert MultiImgPackSegInputs()(_pair())['inputs'].dtype == torch.uint8


def _png(path, img):
    assert cv2.imwrite(str(path), img)
    return str(path)


def test_loaders_check_the_pair(tmp_path):
    a = _png(tmp_path / 'a.png', np.full((8, 8, 3), 10, np.uint8))
    b = _png(tmp_path / 'b.png', np.full((8, 9, 3), 10, np.uint8))
    with pytest.raises(ValueError, match='differ in shape.*b.png'):
        MultiImgLoadImageFromFile()(dict(img_path=[a, b]))
    results = MultiImgLoadImageFromFile()(dict(img_path=[a, a]))
    colour = np.zeros((8, 8, 3), np.uint8)
    colour[..., 2] = 255
    load = MultiImgLoadAnnotations()
    with pytest.raises(ValueError, match='c.png is a colour image'):
        load(dict(results, seg_map_path=_png(tmp_path / 'c.png', colour),
                  format_seg_map='to_binary'))
    small = _png(tmp_path / 's.png', np.zeros((4, 8), np.uint8))
    with pytest.raises(ValueError, match=r'is \(4, 8\) but the images'):
        load(dict(results, seg_map_path=small, format_seg_map='to_binary'))
    jpeg_like = np.array([[0, 3, 127, 128], [200, 255, 250, 1]] * 4,
                         np.uint8)[:, :4].repeat(2, axis=1)
    label = _png(tmp_path / 'l.png', jpeg_like)
    out = load(dict(results, seg_map_path=label, format_seg_map='to_binary'))
    np.testing.assert_array_equal(out['gt_seg_map'],
                                  (jpeg_like >= 128).astype(np.uint8))
    with pytest.raises(ValueError, match=r'values \[3, 127'):
        load(dict(results, seg_map_path=label, format_seg_map=None))


def test_multiband_loader_reads_named_bands_of_both_dates(oscd_root):
    a = osp.join(oscd_root, 'train', 'A', 'beirut.tif')
    b = osp.join(oscd_root, 'train', 'B', 'beirut.tif')
    out = MultiImgLoadMultiBandImage(bands=('B04', 'B8A'))(
        dict(img_path=[a, b]))
    assert out['bands'] == ('B04', 'B8A')
    assert out['img'][0].shape == (66, 66, 2)
    assert out['img'][0].dtype == np.uint16
    with rasterio.open(a) as src:
        np.testing.assert_array_equal(out['img'][0][..., 1], src.read(9))
    with pytest.raises(ValueError, match='has no band'):
        MultiImgLoadMultiBandImage(bands=('B04', 'NIR'))(
            dict(img_path=[a, b]))


def test_datasets_on_the_converted_fixtures(levir_cd_root, cdd_root,
                                            oscd_root):
    levir = LEVIRCDDataset(
        data_root=levir_cd_root,
        data_prefix=dict(img_path_from='crop_256/train/A',
                         img_path_to='crop_256/train/B',
                         seg_map_path='crop_256/train/label'))
    assert len(levir) == 8  # 2 images x 4 crops
    assert levir.metainfo['classes'] == ('unchanged', 'changed')
    info = levir.get_data_info(0)
    assert info['img_path'][0].endswith('A/train_1_0_0.png')
    assert info['img_path'][1].endswith('B/train_1_0_0.png')
    cdd = CDDDataset(data_root=cdd_root,
                     data_prefix=dict(img_path_from='test/A',
                                      img_path_to='test/B',
                                      seg_map_path='test/label'))
    assert len(cdd) == 2
    assert cdd.get_data_info(1)['seg_map_path'].endswith('label/00001.png')
    oscd = OSCDDataset(data_root=oscd_root,
                       data_prefix=dict(img_path_from='train/A',
                                        img_path_to='train/B',
                                        seg_map_path='train/label'))
    assert [osp.basename(d['img_path'][0]) for d in oscd] == [
        'abudhabi.tif', 'beirut.tif']


def test_datasets_name_what_is_missing(tmp_path):
    for kind in 'AB':
        (tmp_path / kind).mkdir()
        _png(tmp_path / kind / 'x.png', np.zeros((4, 4, 3), np.uint8))
    (tmp_path / 'label').mkdir()
    with pytest.raises(FileNotFoundError, match=r"not hold the same pairs; "
                       r"1 name\(s\) .*\['x'\]"):
        LEVIRCDDataset(data_root=str(tmp_path))
    with pytest.raises(FileNotFoundError, match="pair 'x' is incomplete.*"
                       'label/x.png'):
        (tmp_path / 'names.txt').write_text('x\n')
        LEVIRCDDataset(data_root=str(tmp_path), ann_file='names.txt')
    with pytest.raises(FileNotFoundError, match='no \\*.jpg images'):
        CDDDataset(data_root=str(tmp_path))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        LEVIRCDDataset(data_root=str(tmp_path / 'nowhere'))
    _png(tmp_path / 'label' / 'x.png', np.zeros((4, 4), np.uint8))
    dataset = LEVIRCDDataset(data_root=str(tmp_path), ann_file='names.txt')
    assert len(dataset) == 1
    # unlabelled pairs: no labels to load, said so
    unlabelled = LEVIRCDDataset(
        data_root=str(tmp_path),
        data_prefix=dict(img_path_from='A', img_path_to='B'))
    with pytest.raises(KeyError, match='has no change map'):
        MultiImgLoadAnnotations()(unlabelled.get_data_info(0))


def test_flip_tta_undoes_the_flip(levir_cd_root):
    """SMLFR's flip test-time augmentation through mmseg's SegTTAModel: the
    flipped view's logits come back in the image's orientation."""
    from mmengine.config import Config, ConfigDict
    from mmengine.dataset import Compose, pseudo_collate
    from mmseg.registry import MODELS

    from tests.tiny import CONFIGS
    path = next(p for p in CONFIGS if p.endswith('levir-cd-256x256.py'))
    cfg = Config.fromfile(path)
    module = dict(
        type='rsfm.SiamEncoderDecoder',
        data_preprocessor=cfg.model.data_preprocessor,
        backbone=dict(type='rsfm.ConvNeXt', arch='atto', out_indices=(0, )),
        neck=dict(type='rsfm.FeatureFusionNeck', policy='concat',
                  out_indices=(0, )),
        decode_head=dict(type='rsfm.BITHead', in_channels=40, channels=8,
                         embed_dims=8, num_heads=2, dec_depth=1,
                         num_classes=2),
        test_cfg=ConfigDict(mode='whole'))
    tta = MODELS.build(dict(type='SegTTAModel', module=module)).eval()
    root = osp.join(levir_cd_root, 'crop_256', 'test')
    info = dict(img_path=[osp.join(root, 'A', 'test_1_0_1.png'),
                          osp.join(root, 'B', 'test_1_0_1.png')],
                seg_map_path=osp.join(root, 'label', 'test_1_0_1.png'),
                format_seg_map='to_binary', reduce_zero_label=False,
                seg_fields=[])
    data = pseudo_collate([Compose(cfg.tta_pipeline)(info)])
    with torch.no_grad():
        merged = tta.test_step(data)[0]
        views = [tta.module.test_step({k: v[i] for k, v in data.items()})[0]
                 for i in range(2)]
        plain = tta.module.data_preprocessor(
            {k: v[0] for k, v in data.items()})['inputs']
        metas = [dict(ori_shape=(256, 256), img_shape=(256, 256),
                      pad_shape=(256, 256), padding_size=[0, 0, 0, 0])]
        flipped_back = tta.module.inference(plain.flip(-1), metas).flip(-1)
    assert views[1].metainfo['flip'] and not views[0].metainfo['flip']
    torch.testing.assert_close(views[1].seg_logits.data, flipped_back[0],
                               rtol=1e-4, atol=1e-4)
    probs = (views[0].seg_logits.data.softmax(0) +
             views[1].seg_logits.data.softmax(0)) / 2
    torch.testing.assert_close(merged.pred_sem_seg.data[0].long(),
                               probs.argmax(0))
