"""Oriented detection on whole scenes: tiles in, one set of georeferenced
boxes out.

The scene is read tile by tile (the windows of the DOTA splitter); each
batch of tiles goes through the config's test pipeline after its loader
(the test-time resize) and the model's ``predict``. Boxes are moved from
tile to scene pixels and merged across tiles by class-wise rotated NMS at
IoU 0.1, the rule mmrotate's ``DOTAMetric`` merges split DOTA patches with
(``merge_results``), so a scene gives what DOTA's patch-and-merge
evaluation would. Only the boxes are held, never the scene.

Outputs: polygons with class and score in the scene's CRS as GeoPackage
and GeoJSON (written by fiona), and DOTA Task1 lines
(``Task1_<class>.txt``: ``name score x1 y1 ... x4 y4``, scene pixels).
"""
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import rasterio
import torch

from rsfm.utils.atomic import atomic_output, write_text_atomically
from .scene import GDAL_CACHE_MB, Scene, check_new, tile_windows

#: test-pipeline steps that need labels: scene tiles have none
ANNOTATION_STEPS = ('LoadAnnotations', 'ConvertBoxType')
#: IoU of the class-wise rotated NMS that merges tiles (mmrotate's
#: DOTAMetric ``iou_thr``)
DOTA_MERGE_IOU = 0.1
#: BGR value that fills tiles beyond a scene narrower than a tile, as the
#: DOTA splitter pads its patches (rsfm.datasets.dota_split, mmrotate's
#: img_split.py)
DOTA_PADDING = (104., 116., 124.)


class Detections:
    """Oriented boxes ``(N, 5)`` ``(cx, cy, w, h, angle)`` in pixels of the
    scene (or of a tile), with their scores and class indexes."""

    def __init__(self, boxes: np.ndarray, scores: np.ndarray,
                 labels: np.ndarray):
        self.boxes = np.asarray(boxes, np.float32).reshape(-1, 5)
        self.scores = np.asarray(scores, np.float32).reshape(-1)
        self.labels = np.asarray(labels, np.int64).reshape(-1)
        if not len(self.boxes) == len(self.scores) == len(self.labels):
            raise ValueError(f'{len(self.boxes)} boxes, {len(self.scores)} '
                             f'scores and {len(self.labels)} labels')

    def __len__(self) -> int:
        return len(self.boxes)

    def moved(self, dx: float, dy: float) -> 'Detections':
        """The boxes shifted by ``(dx, dy)`` pixels (tile to scene)."""
        boxes = self.boxes.copy()
        boxes[:, :2] += np.array([dx, dy], np.float32)
        return Detections(boxes, self.scores, self.labels)

    @staticmethod
    def concatenate(parts: Sequence['Detections']) -> 'Detections':
        if not parts:
            return Detections(np.zeros((0, 5)), [], [])
        return Detections(np.concatenate([p.boxes for p in parts]),
                          np.concatenate([p.scores for p in parts]),
                          np.concatenate([p.labels for p in parts]))

    def select(self, keep) -> 'Detections':
        return Detections(self.boxes[keep], self.scores[keep],
                          self.labels[keep])

    def corners(self) -> np.ndarray:
        """``(N, 4, 2)`` corners of the boxes (mmrotate's ``rbox2qbox``
        order)."""
        from mmrotate.structures.bbox import rbox2qbox
        return rbox2qbox(torch.from_numpy(self.boxes)).numpy().reshape(
            -1, 4, 2)


def merge_tiles(dets: Detections, iou_thr: float = DOTA_MERGE_IOU
                ) -> Detections:
    """Class-wise rotated NMS over the boxes of all tiles, as mmrotate's
    ``DOTAMetric.merge_results`` (``nms_rotated`` per class at ``iou_thr``);
    the result is sorted by class, then by falling score."""
    from mmcv.ops import nms_rotated
    kept = []
    for label in np.unique(dets.labels):
        index = np.flatnonzero(dets.labels == label)
        _, keep = nms_rotated(torch.from_numpy(dets.boxes[index]),
                              torch.from_numpy(dets.scores[index]), iou_thr)
        kept.append(index[keep.numpy()])
    return dets.select(np.concatenate(kept) if kept else
                       np.zeros(0, np.int64))


def tile_pipeline(cfg):
    """The config's test pipeline without its loader and label steps: what
    a tile read from the scene goes through (the test-time resize, the
    packing)."""
    from mmcv.transforms import Compose
    steps = [step for step in cfg.test_dataloader.dataset.pipeline[1:]
             if step['type'].split('.')[-1] not in ANNOTATION_STEPS]
    return Compose(steps)


def rotated_tile_detections(model, tiles: List[np.ndarray],
                            pipeline) -> List[Detections]:
    """Detections in tile pixels of each tile ``(h, w, C)`` through
    ``pipeline`` (see :func:`tile_pipeline`), the data preprocessor and
    ``predict`` (boxes rescaled to the tile)."""
    packed = [pipeline(dict(img=tile, img_shape=tile.shape[:2],
                            ori_shape=tile.shape[:2], img_id=str(i),
                            img_path=''))
              for i, tile in enumerate(tiles)]
    data = dict(inputs=[p['inputs'] for p in packed],
                data_samples=[p['data_samples'] for p in packed])
    with torch.no_grad():
        data = model.data_preprocessor(data, False)
        results = model.predict(data['inputs'], data['data_samples'])
    out = []
    for result in results:
        pred = result.pred_instances
        boxes = pred.bboxes
        boxes = getattr(boxes, 'tensor', boxes)  # RotatedBoxes or a tensor
        out.append(Detections(boxes.float().cpu().numpy(),
                              pred.scores.float().cpu().numpy(),
                              pred.labels.cpu().numpy()))
    return out


def padded(img: np.ndarray, size: int, value) -> np.ndarray:
    """``img`` ``(h, w, C)`` filled up to ``size`` x ``size`` with
    ``value`` at the right and bottom (a tile of a scene narrower than a
    tile, as the DOTA splitter pads; box coordinates are unchanged)."""
    h, w = img.shape[:2]
    if h >= size and w >= size:
        return img
    out = np.empty((max(h, size), max(w, size), img.shape[2]), img.dtype)
    out[...] = value
    out[:h, :w] = img
    return out


def detect_scene(model, scene: Scene, tile: int, overlap: int,
                 batch_size: int = 2,
                 tile_detections: Optional[Callable] = None,
                 iou_thr: float = DOTA_MERGE_IOU,
                 progress: Optional[Callable[[int, int], None]] = None
                 ) -> Tuple[Detections, int]:
    """Detect over the whole scene tile by tile and merge across tiles.
    In a scene narrower than a tile the tiles are padded to the full tile
    (:func:`padded`), as the DOTA splitter writes its patches.

    Args:
        tile_detections: ``(model, tiles) -> [Detections in tile
            pixels]``; by default the model through the config's test
            pipeline (:func:`rotated_tile_detections`).
        iou_thr: IoU of the class-wise rotated NMS across tiles.

    Returns:
        The merged detections in scene pixels, and the number of tiles.
    """
    if tile_detections is None:
        pipeline = tile_pipeline(model.cfg)

        def tile_detections(model, tiles):
            return rotated_tile_detections(model, tiles, pipeline)

    windows = tile_windows(scene.width, scene.height, tile, overlap)
    pad = DOTA_PADDING if scene.plan.bgr else 0.
    parts = []
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB):
        for i in range(0, len(windows), batch_size):
            batch = windows[i:i + batch_size]
            found = tile_detections(
                model, [padded(scene.read(w), tile, pad) for w in batch])
            parts += [dets.moved(w[0], w[1])
                      for w, dets in zip(batch, found)]
            if progress is not None:
                progress(i + len(batch), len(windows))
    return merge_tiles(Detections.concatenate(parts), iou_thr), len(windows)


def write_vectors(dets: Detections, scene: Scene, classes: Sequence[str],
                  path: str, driver: str) -> str:
    """The boxes as polygons in the scene's CRS (through its transform),
    with ``class``, ``label`` and ``score``, written by fiona with
    ``driver`` ('GPKG', 'GeoJSON'); the layer is named after the scene."""
    import fiona
    from shapely.geometry import Polygon, mapping
    check_new([path])
    corners = dets.corners()
    xs, ys = scene.transform @ (corners[..., 0], corners[..., 1])
    schema = dict(geometry='Polygon', properties=dict(
        [('class', 'str'), ('label', 'int'), ('score', 'float')]))
    records = [dict(geometry=mapping(Polygon(np.stack([x, y], 1))),
                    properties=dict([('class', classes[label]),
                                     ('label', int(label)),
                                     ('score', float(score))]))
               for x, y, label, score in zip(xs, ys, dets.labels,
                                             dets.scores)]
    crs = scene.crs.to_wkt() if scene.crs else None
    layer = osp.splitext(osp.basename(scene.path))[0]
    with atomic_output(osp.abspath(path)) as tmp:
        with fiona.open(tmp, 'w', driver=driver, schema=schema,
                        crs_wkt=crs, layer=layer) as dst:
            dst.writerecords(records)
    return path


def write_task1(dets: Detections, name: str, classes: Sequence[str],
                out_dir: str) -> str:
    """DOTA Task1 files in ``out_dir`` (new): ``Task1_<class>.txt`` for
    every class, lines ``name score x1 y1 x2 y2 x3 y3 x4 y4`` in scene
    pixels, as DOTA's evaluation server and mmrotate's ``DOTAMetric``
    format them."""
    check_new([out_dir])
    os.makedirs(out_dir)
    corners = dets.corners().reshape(-1, 8)
    for label, cls in enumerate(classes):
        lines = [f'{name} {score:.6f} ' + ' '.join(f'{v:.2f}' for v in poly)
                 for poly, score in zip(corners[dets.labels == label],
                                        dets.scores[dets.labels == label])]
        write_text_atomically(osp.join(out_dir, f'Task1_{cls}.txt'),
                              ''.join(line + '\n' for line in lines))
    return out_dir


def detection_paths(out_dir: str, name: str) -> Dict[str, str]:
    """Where :func:`write_detections` writes the boxes of scene ``name``."""
    return dict(gpkg=osp.join(out_dir, f'{name}_boxes.gpkg'),
                geojson=osp.join(out_dir, f'{name}_boxes.geojson'),
                task1=osp.join(out_dir, f'{name}_task1'))


def write_detections(dets: Detections, scene: Scene,
                     classes: Sequence[str], paths: Dict[str, str]) -> None:
    """The boxes as GeoPackage and GeoJSON polygons and as DOTA Task1
    files, at ``paths`` (see :func:`detection_paths`; none may exist)."""
    if len(dets) and dets.labels.max() >= len(classes):
        raise ValueError(f'the model predicts class {dets.labels.max()} '
                         f'but its dataset_meta names {len(classes)} '
                         f'classes: {tuple(classes)}')
    check_new(paths[key] for key in ('gpkg', 'geojson', 'task1'))
    name = osp.splitext(osp.basename(scene.path))[0]
    write_vectors(dets, scene, classes, paths['gpkg'], 'GPKG')
    write_vectors(dets, scene, classes, paths['geojson'], 'GeoJSON')
    write_task1(dets, name, classes, paths['task1'])
