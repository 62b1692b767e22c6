"""SiamEncoderDecoder, FeatureFusionNeck, DualInputSegDataPreProcessor."""
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from rsfm.models.change_detection import (DualInputSegDataPreProcessor,
                                          FeatureFusionNeck)


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def _detector(**kwargs):
    cfg = dict(
        type='rsfm.SiamEncoderDecoder',
        backbone=dict(type='rsfm.ConvNeXt', arch='atto', out_indices=(0, )),
        neck=dict(type='rsfm.FeatureFusionNeck', policy='concat',
                  out_indices=(0, )),
        decode_head=dict(type='rsfm.BITHead', in_channels=40, channels=16,
                         embed_dims=16, num_heads=2, dec_depth=1,
                         num_classes=2),
        test_cfg=ConfigDict(mode='whole'))
    cfg.update(kwargs)
    return MODELS.build(cfg).eval()


@pytest.mark.parametrize('policy,expected', [
    ('concat', lambda a, b: torch.cat([a, b], 1)),
    ('sum', lambda a, b: a + b),
    ('diff', lambda a, b: b - a),
    ('abs_diff', lambda a, b: (a - b).abs()),
])
def test_fusion_policies(policy, expected):
    x1 = [torch.randn(1, 2, 3, 3) for _ in range(3)]
    x2 = [torch.randn(1, 2, 3, 3) for _ in range(3)]
    out = FeatureFusionNeck(policy, out_indices=(2, 0))(x1, x2)
    assert len(out) == 2
    torch.testing.assert_close(out[0], expected(x1[2], x2[2]))
    torch.testing.assert_close(out[1], expected(x1[0], x2[0]))


def test_fusion_errors():
    with pytest.raises(ValueError, match='policy must be one of'):
        FeatureFusionNeck('mean')
    with pytest.raises(IndexError, match=r'out_indices \[3\] do not exist'):
        FeatureFusionNeck('sum', out_indices=(3, ))([torch.ones(1)],
                                                    [torch.ones(1)])


def test_both_dates_share_the_backbone():
    model = _detector()
    date = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        fused = model.extract_feat(torch.cat([date, date], 1))[0]
    torch.testing.assert_close(fused[:, :40], fused[:, 40:])
    names = [n for n, _ in model.named_parameters()]
    assert not any(n.startswith('neck') for n in names)
    assert {n.split('.')[0] for n in names} == {'backbone', 'decode_head'}


def test_slide_averages_overlapping_windows():
    model = _detector()
    inputs = torch.randn(1, 6, 64, 64)
    metas = [dict(ori_shape=(64, 64), img_shape=(64, 64),
                  pad_shape=(64, 64), padding_size=[0, 0, 0, 0])]
    model.test_cfg = ConfigDict(mode='slide', crop_size=(32, 32),
                                stride=(16, 16))
    with torch.no_grad():
        slide = model.inference(inputs, metas)
        total = torch.zeros(1, 2, 64, 64)
        count = torch.zeros(1, 1, 64, 64)
        for y in (0, 16, 32):
            for x in (0, 16, 32):
                window = inputs[..., y:y + 32, x:x + 32]
                total[..., y:y + 32, x:x + 32] += model.encode_decode(
                    window, [dict(img_shape=(32, 32))])
                count[..., y:y + 32, x:x + 32] += 1
    torch.testing.assert_close(slide, total / count, rtol=1e-5, atol=1e-5)


def test_slide_equals_whole_when_one_window_covers_the_image():
    model = _detector()
    inputs = torch.randn(1, 6, 32, 32)
    metas = [dict(ori_shape=(32, 32), img_shape=(32, 32),
                  pad_shape=(32, 32), padding_size=[0, 0, 0, 0])]
    with torch.no_grad():
        whole = model.inference(inputs, metas)
        model.test_cfg = ConfigDict(mode='slide', crop_size=(32, 32),
                                    stride=(16, 16))
        slide = model.inference(inputs, metas)
    torch.testing.assert_close(whole, slide)


def test_predict_gives_logits_and_change_map():
    model = _detector()
    sample = SegDataSample(metainfo=dict(
        ori_shape=(32, 32), img_shape=(32, 32), pad_shape=(32, 32),
        padding_size=[0, 0, 0, 0]))
    sample.gt_sem_seg = PixelData(data=torch.zeros(1, 32, 32).long())
    with torch.no_grad():
        out = model.predict(torch.randn(1, 6, 32, 32), [sample])[0]
    assert out.seg_logits.data.shape == (2, 32, 32)
    torch.testing.assert_close(out.pred_sem_seg.data[0],
                               out.seg_logits.data.argmax(0))


def test_dates_must_split_evenly():
    with pytest.raises(ValueError, match='two dates of 3 bands'):
        _detector(backbone_inchannels=3).extract_feat(torch.randn(1, 8, 8, 8))
    with pytest.raises(ValueError, match='needs a neck'):
        _detector(neck=None)


def test_data_preprocessor_normalises_each_date():
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=torch.zeros(1, 4, 5).long())
    data = dict(inputs=[torch.arange(6.).view(6, 1, 1).expand(6, 4, 5)],
                data_samples=[sample])
    per_date = DualInputSegDataPreProcessor(
        mean=[0, 1, 2, 10, 20, 30], std=[1, 1, 1, 2, 2, 2], size_divisor=8)
    out = per_date(data, training=True)['inputs']
    assert out.shape == (1, 6, 8, 8)  # padded, both dates alike
    assert (out[0, :, 4:] == 0).all() and (out[0, :, :, 5:] == 0).all()
    torch.testing.assert_close(out[0, :, 0, 0],
                               torch.tensor([0., 0, 0, -3.5, -8, -12.5]))
    shared = DualInputSegDataPreProcessor(mean=[1, 2, 3], std=[2, 2, 2])
    out = shared(data)['inputs']
    torch.testing.assert_close(out[0, :, 0, 0],
                               torch.tensor([-.5, -.5, -.5, 1, 1, 1]))
    swap = DualInputSegDataPreProcessor(bgr_to_rgb=True)
    torch.testing.assert_close(swap(data)['inputs'][0, :, 0, 0],
                               torch.tensor([2., 1, 0, 5, 4, 3]))


def test_data_preprocessor_errors():
    data = dict(inputs=[torch.zeros(5, 4, 4)], data_samples=None)
    with pytest.raises(ValueError, match='two dates stacked'):
        DualInputSegDataPreProcessor()(data)
    with pytest.raises(ValueError, match='has 4 mean/std values'):
        DualInputSegDataPreProcessor(mean=[0] * 4, std=[1] * 4)(
            dict(inputs=[torch.zeros(6, 4, 4)], data_samples=None))
    with pytest.raises(ValueError, match='swap the 3 bands'):
        DualInputSegDataPreProcessor(mean=[0] * 4, std=[1] * 4,
                                     bgr_to_rgb=True)
    with pytest.raises(ValueError, match='both mean and std'):
        DualInputSegDataPreProcessor(mean=[0] * 6)
