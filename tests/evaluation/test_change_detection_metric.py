"""ChangeDetectionMetric: by hand, against scikit-learn, change maps."""
import os.path as osp

import cv2
import numpy as np
import pytest
import rasterio
import torch
from sklearn import metrics as skm

from rsfm.evaluation import (ChangeDetectionMetric, scores_from_confusion,
                             write_change_map)


def test_scores_by_hand():
    # tn=5, fp=1, fn=2, tp=2
    scores = scores_from_confusion(np.array([[5, 1], [2, 2]]))
    assert scores['change_precision'] == pytest.approx(100 * 2 / 3, 1e-4)
    assert scores['change_recall'] == pytest.approx(50)
    assert scores['change_F1'] == pytest.approx(100 * 4 / 7, 1e-4)
    assert scores['change_IoU'] == pytest.approx(40)
    assert scores['unchanged_F1'] == pytest.approx(100 * 10 / 13, 1e-4)
    assert scores['unchanged_IoU'] == pytest.approx(62.5)
    assert scores['mean_F1'] == pytest.approx(50 * (4 / 7 + 10 / 13), 1e-4)
    assert scores['OA'] == pytest.approx(70)
    # p_o = 0.7, p_e = (3 * 4 + 7 * 6) / 100 = 0.54
    assert scores['kappa'] == pytest.approx(100 * 0.16 / 0.46, 1e-4)
    # nothing predicted or present: 0, as scikit-learn's zero_division
    empty = scores_from_confusion(np.array([[9, 0], [0, 0]]))
    assert empty['change_F1'] == 0 and empty['OA'] == 100


def _sample(pred, gt, path='x.png'):
    return dict(pred_sem_seg=dict(data=torch.as_tensor(pred)[None]),
                gt_sem_seg=dict(data=torch.as_tensor(gt)[None]),
                img_path=[path, path], seg_map_path=path)


def test_metric_equals_scikit_learn_on_random_maps():
    rng = np.random.default_rng(0)
    metric = ChangeDetectionMetric()
    metric.dataset_meta = dict(classes=('unchanged', 'changed'))
    preds, gts = [], []
    for _ in range(4):
        gt = (rng.random((16, 20)) < 0.3).astype(np.int64)
        pred = np.where(rng.random((16, 20)) < 0.8, gt, 1 - gt)
        gt_ignored = gt.copy()
        gt_ignored[:2] = 255  # ignored rows
        metric.process({}, [_sample(pred, gt_ignored)])
        preds.append(pred[2:].ravel())
        gts.append(gt[2:].ravel())
    scores = metric.compute_metrics(metric.results)
    y, p = np.concatenate(gts), np.concatenate(preds)
    expected = dict(
        change_precision=skm.precision_score(y, p),
        change_recall=skm.recall_score(y, p),
        change_F1=skm.f1_score(y, p),
        change_IoU=skm.jaccard_score(y, p),
        unchanged_F1=skm.f1_score(y, p, pos_label=0),
        mean_F1=skm.f1_score(y, p, average='macro'),
        mean_IoU=skm.jaccard_score(y, p, average='macro'),
        OA=skm.accuracy_score(y, p),
        kappa=skm.cohen_kappa_score(y, p))
    for key, value in expected.items():
        assert scores[key] == pytest.approx(100 * value, abs=1e-3), key


def test_metric_refuses_what_it_cannot_score():
    metric = ChangeDetectionMetric()
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    with pytest.raises(ValueError, match='two classes'):
        metric.process({}, [_sample(np.zeros((2, 2)), np.zeros((2, 2)))])
    metric.dataset_meta = None
    with pytest.raises(ValueError, match=r'values \[2\]'):
        metric.process({}, [_sample(np.zeros((2, 2)), np.full((2, 2), 2))])
    with pytest.raises(ValueError, match='needs output_dir'):
        ChangeDetectionMetric(format_only=True)


def test_format_only_writes_png_and_georeferenced_geotiff(tmp_path,
                                                          oscd_root):
    out = str(tmp_path / 'maps')
    metric = ChangeDetectionMetric(format_only=True, output_dir=out)
    pred = np.zeros((66, 66), np.int64)
    pred[10:20, 5:9] = 1
    city = osp.join(oscd_root, 'test', 'A', 'brasilia.tif')
    metric.process({}, [dict(pred_sem_seg=dict(data=torch.as_tensor(pred)[
        None]), img_path=[city, city])])
    cv2.imwrite(str(tmp_path / 'p.png'), np.zeros((66, 66, 3), np.uint8))
    metric.process({}, [dict(pred_sem_seg=dict(data=torch.as_tensor(pred)[
        None]), img_path=[str(tmp_path / 'p.png')] * 2)])
    assert metric.compute_metrics(metric.results) == {}
    with rasterio.open(osp.join(out, 'brasilia.tif')) as written, \
            rasterio.open(city) as src:
        assert written.crs == src.crs and written.transform == src.transform
        np.testing.assert_array_equal(written.read(1), pred * 255)
    png = cv2.imread(osp.join(out, 'p.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(png, pred * 255)
    # a repeated pair (distributed padding) leaves the file as it is, even
    # predicted differently (a warning says so)
    write_change_map(osp.join(out, 'p'), 1 - pred)
    png = cv2.imread(osp.join(out, 'p.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(png, pred * 255)


def test_two_pairs_with_one_name_are_an_error(tmp_path):
    metric = ChangeDetectionMetric(format_only=True,
                                   output_dir=str(tmp_path / 'maps'))
    pred = torch.zeros(1, 4, 4, dtype=torch.long)
    for folder in ('x', 'y'):
        path = str(tmp_path / folder / 'A' / 'same.png')
        metric.process({}, [dict(pred_sem_seg=dict(data=pred),
                                 img_path=[path, path])])
    with pytest.raises(ValueError, match='two test pairs give the change '
                       'map same'):
        metric.compute_metrics(metric.results)
    with pytest.raises(ValueError, match=r'img_path = \[date 1, date 2\]'):
        metric.process({}, [dict(pred_sem_seg=dict(data=pred),
                                 img_path='single.png')])
