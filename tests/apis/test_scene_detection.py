"""Oriented detection on whole scenes: tiles merged by the DOTA rule give
the whole-scene boxes once each; boxes come out as georeferenced polygons
and DOTA Task1 lines."""
import importlib.util
import os
import os.path as osp

import cv2
import fiona
import numpy as np
import pytest
import rasterio
import torch
from mmcv.ops import box_iou_rotated
from shapely.geometry import shape

from rsfm.apis import (Detections, Scene, detect_scene, inference_scene,
                       init_model, merge_tiles, tile_windows)
from rsfm.apis.detection import write_task1
from tests.apis.scenes import CRS, TRANSFORM, run_cli_on_png, write_scene
from tests.conftest import REPO

#: pixel values of the two classes of drawn objects
VALUES = (120., 240.)
#: more pixels than a drawn 30 x 14 object covers (the scores' scale)
AREA = 600


def draw_objects(rng, width, height, count):
    """A scene with ``count`` rotated 30x14 rectangles of two classes that
    do not touch, anywhere (many across tile borders)."""
    img = np.zeros((height, width), np.float32)
    taken = np.zeros((height, width), np.uint8)
    drawn = 0
    while drawn < count:
        centre = rng.uniform(20, (width - 20, height - 20))
        angle = rng.uniform(-90, 90)
        corners = cv2.boxPoints((tuple(centre), (30, 14), angle))
        mask = np.zeros_like(taken)
        cv2.fillPoly(mask, [np.round(corners).astype(np.int32)], 1)
        if (cv2.dilate(mask, np.ones((5, 5), np.uint8)) & taken).any():
            continue
        taken |= mask
        img[mask > 0] = VALUES[drawn % 2]
        drawn += 1
    return img


def component_detector(model, tiles):
    """A detector of the drawn objects: one oriented box per connected
    component of a class's value (its minimum-area rectangle), scored by
    the pixels it shows. Like a trained detector it also reports objects
    cut by the tile border, with lower scores, and ignores slivers (less
    than about a quarter of an object)."""
    found = []
    for tile in tiles:
        boxes, scores, labels = [], [], []
        for label, value in enumerate(VALUES):
            mask = (tile[..., 0] == value).astype(np.uint8)
            count, components = cv2.connectedComponents(mask)
            for k in range(1, count):
                ys, xs = np.nonzero(components == k)
                score = len(xs) / AREA
                if score < 0.2:
                    continue
                (cx, cy), (w, h), angle = cv2.minAreaRect(
                    np.stack([xs, ys], 1).astype(np.float32))
                boxes.append((cx + .5, cy + .5, w + 1, h + 1,
                              np.deg2rad(angle)))
                scores.append(score)
                labels.append(label)
        found.append(Detections(np.array(boxes).reshape(-1, 5), scores,
                                labels))
    return found


def write_objects(path, img):
    with rasterio.open(path, 'w', driver='GTiff', width=img.shape[1],
                       height=img.shape[0], count=3, dtype='uint8', crs=CRS,
                       transform=TRANSFORM) as dst:
        dst.write(np.stack([img] * 3).astype(np.uint8))
    return str(path)


def test_tiles_merged_give_the_whole_scene_boxes_once(tmp_path):
    """Objects anywhere, many across tile borders: the tiled and merged
    boxes are the boxes of the detector run on the whole scene, each once
    (no duplicates on tile borders, none lost)."""
    img = draw_objects(np.random.default_rng(0), 300, 240, 24)
    scene = Scene(write_objects(tmp_path / 'objects.tif', img),
                  dict(type='rsfm.LoadRGBImage'))
    tiled, tiles = detect_scene(None, scene, tile=96, overlap=40,
                                batch_size=3,
                                tile_detections=component_detector)
    # unmerged, the objects in the overlaps are found again and again
    unmerged, _ = detect_scene(None, scene, tile=96, overlap=40,
                               tile_detections=component_detector,
                               iou_thr=1.01)
    assert len(unmerged) > 40
    whole = component_detector(None, [scene.read((0, 0, 300, 240))])[0]
    scene.close()
    assert tiles == 5 * 4 and len(whole) == 24 and len(tiled) == 24
    order = np.lexsort((whole.boxes[:, 1], whole.boxes[:, 0]))
    found = np.lexsort((tiled.boxes[:, 1], tiled.boxes[:, 0]))
    np.testing.assert_allclose(tiled.boxes[found], whole.boxes[order],
                               atol=1e-3)
    np.testing.assert_array_equal(tiled.labels[found], whole.labels[order])
    np.testing.assert_array_equal(tiled.scores[found], whole.scores[order])


def test_merge_is_class_wise_rotated_nms_at_the_dota_iou():
    boxes = np.array([[50, 50, 30, 14, 0.3],   # kept (best of its class)
                      [52, 50, 30, 14, 0.3],   # same object, lower score
                      [50, 50, 30, 14, 0.3],   # same place, other class
                      [50, 62, 30, 14, 0.3],   # IoU < 0.1 with the first
                      [200, 10, 8, 8, 0.]], np.float32)
    dets = Detections(boxes, [0.9, 0.6, 0.5, 0.4, 0.3], [0, 0, 1, 0, 0])
    iou = box_iou_rotated(torch.from_numpy(boxes[:1]),
                          torch.from_numpy(boxes[3:4])).item()
    assert 0 < iou < 0.1
    merged = merge_tiles(dets)
    assert sorted(merged.scores) == pytest.approx([0.3, 0.4, 0.5, 0.9])
    # a looser rule keeps the second box too
    assert len(merge_tiles(dets, iou_thr=0.95)) == 5
    assert len(merge_tiles(Detections(np.zeros((0, 5)), [], []))) == 0


def test_boxes_are_georeferenced_polygons_and_task1_lines(det_model,
                                                          tmp_path):
    src = write_scene(tmp_path / 'city.tif', width=150, height=110)
    model = init_model(*det_model)
    out = str(tmp_path / 'out')
    result = inference_scene(model, src, out_dir=out, batch_size=2,
                             show_progress=False)
    # the tiny config tests at 64 px: 64-pixel tiles overlapping by 16
    assert result['task'] == 'rotated' and result['tiles'] == 3 * 2
    n = result['boxes']
    assert n > 0 and osp.isfile(result['preview'])
    classes = model.dataset_meta['classes']
    with fiona.open(result['gpkg']) as layer:
        assert layer.crs.to_epsg() == 32633 and len(layer) == n
        features = list(layer)
    with fiona.open(result['geojson']) as layer:
        assert len(layer) == n
    lines = {}
    for name in os.listdir(result['task1']):
        with open(osp.join(result['task1'], name)) as f:
            lines[name[len('Task1_'):-len('.txt')]] = f.read().splitlines()
    assert sorted(lines) == sorted(classes)
    assert sum(map(len, lines.values())) == n
    # the same box: Task1 corners in pixels, the polygon in metres
    first = features[0]['properties']
    line = lines[first['class']][0].split()
    assert line[0] == 'city' and float(line[1]) == pytest.approx(
        first['score'], abs=1e-6)
    x, y = (np.array(line[2:], float).reshape(4, 2) * 0.5 +
            [500000., 0.]).T
    ring = np.array(features[0].geometry['coordinates'][0])
    np.testing.assert_allclose(ring[:4, 0], x, atol=0.01)
    np.testing.assert_allclose(ring[:4, 1], 4500000. - y, atol=0.01)
    # merged: no two boxes of a class overlap by more than the DOTA IoU
    polygons = [(f['properties']['label'], shape(f.geometry))
                for f in features]
    for i, (label, a) in enumerate(polygons):
        for other, b in polygons[i + 1:]:
            if other == label:
                assert a.intersection(b).area <= 0.1 * a.union(b).area + 1e-6
    with pytest.raises(FileExistsError, match='city_boxes.gpkg exists'):
        inference_scene(model, src, out_dir=out, show_progress=False,
                        preview=False)


def test_detection_needs_class_names(det_model, tmp_path):
    model = init_model(*det_model)
    model.dataset_meta = {}
    src = write_scene(tmp_path / 'scene.tif')
    with pytest.raises(ValueError, match='no class names'):
        inference_scene(model, src, out_dir=str(tmp_path / 'o'),
                        show_progress=False)


def test_command_line_writes_boxes(det_model, tmp_path):
    _, out = run_cli_on_png(det_model, tmp_path, 'harbour', '--iou-thr',
                            '0.1')
    for name in ('harbour_boxes.gpkg', 'harbour_boxes.geojson',
                 'harbour_task1/Task1_class0.txt', 'harbour_preview.png'):
        assert osp.isfile(out / name), name


@pytest.mark.parametrize('task', ['segmentation', 'change', 'rotated'])
def test_scenes_are_never_read_whole(task, request, tmp_path, monkeypatch):
    """A scene larger than memory allows, simulated by a raster that
    refuses any read of more pixels than a tile (the preview is read
    decimated): tools/inference.py runs each task's shipped config on
    it."""
    model = request.getfixturevalue(dict(
        segmentation='seg_model', change='cd_model', rotated='det_model')[
            task])
    scenes = [write_scene(tmp_path / f'{d}.tif', width=300, height=260,
                          seed=d) for d in range(2 if task == 'change' else 1)]
    read = rasterio.io.DatasetReader.read
    sizes = []

    def bounded(self, *args, window=None, out_shape=None, **kwargs):
        if out_shape is not None:  # the preview, decimated
            size = out_shape[-1] * out_shape[-2]
        elif window is None:
            size = self.width * self.height
        else:
            size = window.width * window.height
        sizes.append(size)
        if size > 64 * 64:
            raise MemoryError(f'read of {size} pixels')
        return read(self, *args, window=window, out_shape=out_shape,
                    **kwargs)

    monkeypatch.setattr(rasterio.io.DatasetReader, 'read', bounded)
    spec = importlib.util.spec_from_file_location(
        'inference_cli', osp.join(REPO, 'tools', 'inference.py'))
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    out = tmp_path / 'out'
    assert cli.main([*model, *scenes, '--out', str(out), '--tile', '64',
                     '--overlap', '16', '--chunk', '64', '--preview-size',
                     '60']) == 0
    tiles = len(tile_windows(300, 260, 64, 16)) * len(scenes)
    assert max(sizes) <= 64 * 64 and len(sizes) >= tiles
    assert len(os.listdir(out)) == (4 if task == 'rotated' else 2)


def test_tiles_of_a_small_scene_are_padded_as_dota_patches(tmp_path):
    """A scene narrower than a tile: full tiles padded with the DOTA
    splitter's BGR value, as the detector was trained."""
    scene = Scene(write_scene(tmp_path / 'small.tif', width=50, height=40),
                  dict(type='rsfm.LoadRGBImage'))
    seen = []

    def record(model, tiles):
        seen.extend(tiles)
        return [Detections(np.zeros((0, 5)), [], []) for _ in tiles]

    dets, tiles = detect_scene(None, scene, tile=64, overlap=16,
                               tile_detections=record)
    assert tiles == 1 and len(dets) == 0
    assert seen[0].shape == (64, 64, 3)
    np.testing.assert_array_equal(seen[0][:40, :50],
                                  scene.read((0, 0, 50, 40)))
    np.testing.assert_array_equal(seen[0][40:, 0], [[104, 116, 124]] * 24)
    scene.close()


def test_merge_and_task1_are_mmrotates_dota_merge(tmp_path):
    """The same patch detections merged by rsfm (tiles moved into the
    scene, merge_tiles, write_task1) and by mmrotate's
    DOTAMetric.merge_results (patch names ``scene__1024__x___y``): the same
    Task1 lines (mmrotate rounds scores to 2 decimals)."""
    from mmrotate.evaluation import DOTAMetric
    rng = np.random.default_rng(0)
    classes = ('plane', 'ship', 'harbor')
    offsets = [(0, 0), (96, 0), (0, 96), (96, 96)]
    patches, moved = [], []
    for x, y in offsets:
        n = 30
        boxes = np.concatenate([rng.uniform(20, 110, (n, 2)),
                                rng.uniform(8, 40, (n, 2)),
                                rng.uniform(-1.5, 1.5, (n, 1))], 1)
        dets = Detections(boxes, rng.uniform(0.05, 1, n),
                          rng.integers(0, 3, n))
        patches.append(dict(img_id=f'P0001__1024__{x}___{y}',
                            bboxes=dets.boxes, scores=dets.scores,
                            labels=dets.labels))
        moved.append(dets.moved(x, y))
    metric = DOTAMetric(metric='mAP')
    metric.dataset_meta = dict(classes=classes)
    metric.merge_results(patches, str(tmp_path / 'mmrotate'))
    merged = merge_tiles(Detections.concatenate(moved))
    assert 0 < len(merged) < 120
    write_task1(merged, 'P0001', classes, str(tmp_path / 'rsfm'))

    def lines(folder, cls):
        with open(osp.join(folder, f'Task1_{cls}.txt')) as f:
            rows = [line.split() for line in f]
        return sorted((r[0], round(float(r[1]), 2), tuple(r[2:]))
                      for r in rows)

    for cls in classes:
        assert lines(tmp_path / 'rsfm', cls) == \
            lines(tmp_path / 'mmrotate', cls)
