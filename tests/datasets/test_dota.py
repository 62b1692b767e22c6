import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from rsfm.datasets import load_dota_labels
from rsfm.datasets.rotated import DOTADataset
from rsfm.datasets.dota_labels import DOTAObject, dump_dota_labels
from rsfm.datasets.dota_split import (find_scenes, sliding_windows,
                                      split_dota, window_objects)
from tests.conftest import REPO


def test_load_raw_grammar_with_header(dota_raw):
    label = load_dota_labels(
        osp.join(dota_raw['train'], 'labelTxt', 'P0000.txt'))
    assert label.header == {'imagesource': 'GoogleEarth',
                            'gsd': pytest.approx(0.146343590398)}
    assert len(label.objects) == 4
    assert [o.difficult for o in label.objects] == [0, 0, 0, 1]
    assert label.objects[0].category == 'plane'
    assert len(label.objects[0].poly) == 8


def test_load_split_grammar_and_empty(dota_split, dota_raw):
    ann_dir = osp.join(dota_split, 'trainval', 'annfiles')
    label = load_dota_labels(osp.join(ann_dir, 'P0000__64__0___0.txt'))
    assert label.header == {} and len(label.objects) == 3
    assert load_dota_labels(
        osp.join(ann_dir, 'P0002__64__0___36.txt')).objects == []
    empty = load_dota_labels(
        osp.join(dota_raw['train'], 'labelTxt', 'P0001.txt'))
    assert empty.header == {} and empty.objects == []


def test_load_gsd_null_and_missing_difficulty(tmp_path):
    path = tmp_path / 'a.txt'
    path.write_text('imagesource:GoogleEarth\ngsd:null\n\n'
                    '1 2 3 4 5 6 7 8 ship\n')
    label = load_dota_labels(str(path))
    assert label.header['gsd'] is None
    assert label.objects == [DOTAObject([1., 2., 3., 4., 5., 6., 7., 8.],
                                        'ship', 0)]


def test_load_skips_utf8_byte_order_mark(tmp_path):
    path = tmp_path / 'bom.txt'
    path.write_bytes('imagesource:GoogleEarth\ngsd:0.15\n'
                     '1 2 3 4 5 6 7 8 ship 1\n'.encode('utf-8-sig'))
    label = load_dota_labels(str(path))
    assert label.header == {'imagesource': 'GoogleEarth', 'gsd': 0.15}
    assert label.objects[0].difficult == 1


@pytest.mark.parametrize('text,match', [
    ('1 2 3 4 5 6 7 8\n', r'a\.txt:1: expected'),
    ('1 2 3 4 5 6 7 x ship 0\n', r'a\.txt:1: coordinates must be numbers'),
    ('1 2 3 4 5 6 7 8 ship 0\ngsd:0.1\n', r'a\.txt:2: header line'),
])
def test_load_errors_name_file_and_line(tmp_path, text, match):
    path = tmp_path / 'a.txt'
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        load_dota_labels(str(path))


def test_dump_roundtrip(tmp_path):
    objs = [DOTAObject([1.5, 2, 3, 4, 5, 6, 7, 8], 'plane', 1)]
    dump_dota_labels(str(tmp_path / 'raw.txt'), objs,
                     header=dict(imagesource='GoogleEarth', gsd=0.5))
    dump_dota_labels(str(tmp_path / 'split.txt'), objs)
    assert (tmp_path / 'raw.txt').read_text().startswith(
        'imagesource:GoogleEarth\ngsd:0.5\n1.5 2.0')
    for name in ('raw.txt', 'split.txt'):
        assert load_dota_labels(str(tmp_path / name)).objects == objs


def _dataset(**kwargs):
    init_default_scope('mmrotate')
    return DOTADataset(pipeline=[], **kwargs)


def test_dataset_on_split_layout(dota_split):
    ds = _dataset(
        data_root=dota_split, ann_file='trainval/annfiles/',
        data_prefix=dict(img_path='trainval/images/'),
        filter_cfg=dict(filter_empty_gt=True))
    # the patch without objects is filtered for training
    assert [d['img_id'] for d in ds] == ['P0000__64__0___0',
                                         'P0000__64__36___0']
    inst = ds[0]['instances']
    assert len(inst) == 3 and len(inst[0]['bbox']) == 8
    assert [i['bbox_label'] for i in inst] == [0, 1, 2]
    assert all(i['ignore_flag'] == 0 for i in inst)  # diff_thr=100
    test_mode = _dataset(
        data_root=dota_split, ann_file='trainval/annfiles/',
        data_prefix=dict(img_path='trainval/images/'), test_mode=True)
    assert len(test_mode) == 3


def test_dataset_reads_raw_labels_and_diff_thr(dota_raw):
    ds = _dataset(
        data_root=dota_raw['train'], ann_file='labelTxt/',
        data_prefix=dict(img_path='images/'), diff_thr=0)
    assert [d['img_id'] for d in ds] == ['P0000', 'P0001']
    flags = [i['ignore_flag'] for i in ds[0]['instances']]
    assert flags == [0, 0, 0, 1]
    assert ds[1]['instances'] == []


def test_dataset_unlabeled_test_split(dota_split):
    ds = _dataset(data_root=dota_split, ann_file='',
                  data_prefix=dict(img_path='test/images/'), test_mode=True)
    assert [d['img_id'] for d in ds] == ['P0003__64__0___0',
                                         'P0003__64__26___6']


def test_dataset_errors(tmp_path, dota_split):
    (tmp_path / 'ann').mkdir()
    (tmp_path / 'img').mkdir()
    with pytest.raises(ValueError, match='no \\*.txt label files'):
        _dataset(ann_file=str(tmp_path / 'ann'),
                 data_prefix=dict(img_path=str(tmp_path / 'img')))
    (tmp_path / 'ann' / 'x.txt').write_text('1 2 3 4 5 6 7 8 plane 0\n')
    with pytest.raises(FileNotFoundError, match='x.txt has no image'):
        _dataset(ann_file=str(tmp_path / 'ann'),
                 data_prefix=dict(img_path=str(tmp_path / 'img')))
    cv2.imwrite(str(tmp_path / 'img' / 'x.png'), np.zeros((8, 8, 3)))
    (tmp_path / 'ann' / 'x.txt').write_text('1 2 3 4 5 6 7 8 castle 0\n')
    with pytest.raises(ValueError, match="category 'castle'"):
        _dataset(ann_file=str(tmp_path / 'ann'),
                 data_prefix=dict(img_path=str(tmp_path / 'img')))


def test_sliding_windows():
    # 1024 windows with gap 200 over a 2000 x 900 scene: x starts 0, 824, 976
    win = sliding_windows(2000, 900, [1024], [200])
    assert win.tolist() == [[0, 0, 1024, 1024], [824, 0, 1848, 1024],
                            [976, 0, 2000, 1024]]
    # a scene smaller than the window still gets one (padded) window
    assert sliding_windows(300, 200, [1024], [200]).tolist() == [
        [0, 0, 1024, 1024]]
    with pytest.raises(ValueError, match='must exceed gap'):
        sliding_windows(100, 100, [64], [64])


def test_window_objects_iof_and_truncation():
    inside = DOTAObject([10, 10, 20, 10, 20, 20, 10, 20], 'ship', 0)
    half = DOTAObject([60, 10, 70, 10, 70, 20, 60, 20], 'plane', 1)
    mostly = DOTAObject([55, 30, 66, 30, 66, 40, 55, 40], 'bridge', 0)
    kept = window_objects([inside, half, mostly], (0, 0, 64, 64), 0.7)
    assert [o.category for o in kept] == ['ship', 'bridge']
    assert kept[0].difficult == 0 and kept[1].difficult == 2
    shifted = window_objects([inside], (5, 4, 69, 68), 0.7)[0]
    assert shifted.poly[:2] == [5., 6.]


def test_split_dota_layout_and_labels(dota_raw, tmp_path):
    scenes = find_scenes(osp.join(dota_raw['train'], 'images'),
                         osp.join(dota_raw['train'], 'labelTxt'))
    out = str(tmp_path / 'trainval')
    total = split_dota(scenes, out, sizes=[64], gaps=[16])
    images = sorted(os.listdir(osp.join(out, 'images')))
    labels = sorted(os.listdir(osp.join(out, 'annfiles')))
    assert total == len(images) == len(labels)
    # P0000 is 150 x 120: x starts 0, 48, 86; y starts 0, 48, 56
    assert 'P0000__64__86___56.png' in images
    assert 'P0000__64__0___0.txt' in labels
    for name in images:
        img = cv2.imread(osp.join(out, 'images', name))
        assert img.shape == (64, 64, 3)
    # every object of the scene lands, whole, in some patch
    objects = load_dota_labels(
        osp.join(dota_raw['train'], 'labelTxt', 'P0000.txt')).objects
    whole = [o for f in labels if f.startswith('P0000')
             for o in load_dota_labels(osp.join(out, 'annfiles', f)).objects
             if o.difficult != 2]
    assert {o.category for o in whole} == {o.category for o in objects}
    # no overwrite of an existing split
    with pytest.raises(FileExistsError, match='is not empty'):
        split_dota(scenes, out, sizes=[64], gaps=[16])


def test_split_pads_small_scene(dota_raw, tmp_path):
    scenes = find_scenes(osp.join(dota_raw['test'], 'images'), None)
    split_dota(scenes, str(tmp_path / 'test'), sizes=[128], gaps=[16],
               padding_value=(1, 2, 3))
    assert not osp.exists(tmp_path / 'test' / 'annfiles')
    img = cv2.imread(str(tmp_path / 'test' / 'images' /
                         'P0003__128__0___0.png'))
    assert img.shape == (128, 128, 3)
    assert img[127, 127].tolist() == [1, 2, 3]  # 90 x 70 scene, padded


def test_find_scenes_missing_label(tmp_path):
    (tmp_path / 'images').mkdir()
    (tmp_path / 'labelTxt').mkdir()
    cv2.imwrite(str(tmp_path / 'images' / 'P9.png'), np.zeros((8, 8, 3)))
    with pytest.raises(FileNotFoundError, match='P9.png has no label file'):
        find_scenes(str(tmp_path / 'images'), str(tmp_path / 'labelTxt'))


def test_converter_cli_multiscale(dota_raw, tmp_path):
    out = tmp_path / 'split_ms'
    proc = subprocess.run(
        [sys.executable, 'tools/dataset_converters/dota.py', '--src',
         dota_raw['train'], dota_raw['val'], '--out', str(out), '--sizes',
         '64', '--gaps', '16', '--rates', '1.0', '0.5', '--nproc', '2'],
        cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert 'wrote' in proc.stdout + proc.stderr
    images = os.listdir(out / 'images')
    # rate 0.5 doubles the window: 128-pixel patches next to 64-pixel ones
    assert any(n.startswith('P0002__128__') for n in images)
    assert any(n.startswith('P0002__64__') for n in images)
    assert len(os.listdir(out / 'annfiles')) == len(images)


def _oracle(objects, window, iof_thr):
    """Every object clipped against the window with shapely, one by one."""
    from shapely.geometry import Polygon, box
    x1, y1, x2, y2 = window
    kept = []
    for obj in objects:
        poly = Polygon(np.asarray(obj.poly).reshape(4, 2))
        if not poly.is_valid:
            poly = poly.buffer(0)
        iof = poly.intersection(box(*window)).area / poly.area \
            if poly.area > 0 else 0.
        if iof >= iof_thr:
            kept.append((obj.category, (np.asarray(obj.poly).reshape(4, 2) -
                                        [x1, y1]).ravel().tolist(),
                         obj.difficult if iof >= 1 - 1e-6 else 2))
    return kept


def test_vectorised_windows_equal_clipping_every_object():
    from rsfm.datasets.dota_split import SceneObjects, sliding_windows
    rng = np.random.default_rng(0)
    objects = []
    for i in range(400):
        cx, cy = rng.uniform(0, 300, 2)
        w, h = rng.uniform(2, 40, 2)
        a = rng.uniform(0, np.pi)
        c, s = np.cos(a), np.sin(a)
        corners = [(cx + x * c - y * s, cy + x * s + y * c)
                   for x, y in ((-w, -h), (w, -h), (w, h), (-w, h))]
        poly = np.round(np.array(corners).ravel(), 1).tolist()
        objects.append(DOTAObject(poly, 'ship', int(i % 2)))
    # a bow-tie, a degenerate line and boxes on window borders
    objects += [DOTAObject([10, 10, 30, 30, 30, 10, 10, 30], 'plane', 0),
                DOTAObject([5, 5, 20, 5, 20, 5, 5, 5], 'bridge', 0),
                DOTAObject([0, 0, 64, 0, 64, 64, 0, 64], 'harbor', 0),
                DOTAObject([64, 10, 80, 10, 80, 20, 64, 20], 'harbor', 0)]
    scene = SceneObjects(objects)
    for window in sliding_windows(300, 300, [64], [16], 0.6):
        window = window.tolist()
        got = [(o.category, o.poly, o.difficult)
               for o in scene.in_window(window, 0.7)]
        expected = _oracle(objects, window, 0.7)
        assert len(got) == len(expected)
        for (c1, p1, d1), (c2, p2, d2) in zip(got, expected):
            assert (c1, d1) == (c2, d2)
            np.testing.assert_allclose(p1, p2)
