"""Build a model from a config and checkpoint, and run it on whole scenes."""
import os
import os.path as osp
import sys
from typing import Callable, Optional, Sequence, Tuple

import cv2
import numpy as np
import rasterio
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar
from rasterio.enums import Resampling

from .detection import (DOTA_MERGE_IOU, Detections, detect_scene,
                        detection_paths, write_detections)
from .scene import Scene, check_new, dense_inference, loader_of

#: colours of classes without a palette in the model's metadata (RGB)
DEFAULT_PALETTE = [(255, 255, 255), (0, 0, 255), (0, 255, 255),
                   (0, 255, 0), (255, 255, 0), (255, 0, 0), (255, 0, 255),
                   (128, 128, 128)]


def init_model(config: str, checkpoint: Optional[str] = None,
               device: str = 'cpu', cfg_options: Optional[dict] = None,
               trust_checkpoint: bool = False):
    """The model of ``config`` (a path; its ``custom_imports`` are
    imported) with the weights of ``checkpoint`` (a training checkpoint or
    a state dict; loaded strictly), in eval mode on ``device``, as mmdet's
    and mmseg's ``init_model``. ``model.cfg`` is the config and
    ``model.dataset_meta`` the classes and palette (of the checkpoint, else
    of the config's test dataset)."""
    from mmengine.registry import MODELS

    from rsfm.engine.runner import load_run_checkpoint
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    meta = {}
    if checkpoint is not None:
        state = load_run_checkpoint(checkpoint, trusted=trust_checkpoint)
        weights = state.get('state_dict', state)
        missing, unexpected = model.load_state_dict(weights, strict=False)
        if missing or unexpected:
            raise ValueError(
                f'{checkpoint} does not fit the model of {config}: missing '
                f'{missing[:8]}, unexpected {unexpected[:8]}')
        meta = state.get('meta', {}).get('dataset_meta') or {}
    if not meta:
        dataset = cfg.get('test_dataloader', {}).get('dataset', {})
        meta = dict(dataset.get('metainfo') or {})
    model.cfg = cfg
    model.dataset_meta = meta
    return model.to(device).eval()


def task_of(model) -> str:
    """``'change'``, ``'segmentation'`` or ``'rotated'`` (oriented
    detection)."""
    if type(model).__name__ == 'SiamEncoderDecoder':
        return 'change'
    if hasattr(model, 'roi_head'):
        return 'rotated'
    if hasattr(model, 'decode_head'):
        return 'segmentation'
    raise ValueError(f'{type(model).__name__} is not a segmentor, change '
                     f'detector or oriented detector')


def _stretch(img: np.ndarray) -> np.ndarray:
    """8-bit display of ``(C, h, w)`` by the 2-98 percentiles per band."""
    out = np.zeros(img.shape, np.uint8)
    for i, band in enumerate(img.astype(np.float32)):
        low, high = np.percentile(band, (2, 98))
        out[i] = np.clip((band - low) / max(high - low, 1e-6) * 255, 0, 255)
    return out


def _preview_background(scene: Scene, max_side: int) -> np.ndarray:
    """The scene as ``(h, w, 3)`` float RGB, downsampled to at most
    ``max_side`` (read by averaging, never whole) and stretched to 8 bits."""
    scale = max(scene.width, scene.height) / max_side
    h = max(1, round(scene.height / max(scale, 1)))
    w = max(1, round(scene.width / max(scale, 1)))
    names = scene.plan.names
    if all(b in names for b in ('R', 'G', 'B')):
        rgb = [scene.plan.indexes[names.index(b)] for b in ('R', 'G', 'B')]
    else:
        rgb = (scene.plan.indexes * 3)[:3]
    img = scene.src.read(rgb, out_shape=(3, h, w),
                         resampling=Resampling.average)
    return _stretch(img).transpose(1, 2, 0).astype(np.float32)


def _save_png(img: np.ndarray, path: str) -> str:
    """Write ``img`` (RGB) to the new file ``path``."""
    check_new([path])
    cv2.imwrite(path, np.ascontiguousarray(img.astype(np.uint8)[..., ::-1]))
    return path


def write_preview(scene: Scene, classes_path: str, path: str,
                  palette: Sequence, max_side: int = 1024,
                  change: bool = False) -> str:
    """A PNG of the scene, downsampled to at most ``max_side``, with the
    class map drawn over it: classes in their colours at half opacity, or
    changed pixels in red."""
    img = _preview_background(scene, max_side)
    with rasterio.open(classes_path) as src:
        classes = src.read(1, out_shape=img.shape[:2],
                           resampling=Resampling.nearest)
    if change:
        mask = classes > 0
        img[mask] = 0.4 * img[mask] + 0.6 * np.array([255., 0., 0.])
    else:
        colours = np.array([palette[i % len(palette)]
                            for i in range(int(classes.max()) + 1)],
                           np.float32)
        img = 0.5 * img + 0.5 * colours[classes]
    return _save_png(img, path)


def write_box_preview(scene: Scene, dets: Detections, path: str,
                      palette: Sequence, max_side: int = 1024) -> str:
    """A PNG of the scene, downsampled to at most ``max_side``, with the
    oriented boxes drawn in their classes' colours."""
    img = np.ascontiguousarray(_preview_background(scene, max_side))
    scale = np.array([img.shape[1] / scene.width,
                      img.shape[0] / scene.height], np.float32)
    for corners, label in zip(dets.corners() * scale, dets.labels):
        colour = tuple(float(c) for c in palette[label % len(palette)])
        cv2.polylines(img, [np.round(corners).astype(np.int32)], True,
                      colour, 1, cv2.LINE_AA)
    return _save_png(img, path)


def default_tiling(model, task: str) -> Tuple[int, int]:
    """``(tile, overlap)``: for oriented detection the side of the test
    pipeline's resize (the patch size the model was trained on, as
    split_ss_dota's 1024) with DOTA's gap of 200; 512 and 128 for dense
    tasks."""
    if task != 'rotated':
        return 512, 128
    for step in model.cfg.test_dataloader.dataset.pipeline:
        if step['type'].split('.')[-1] == 'Resize' and 'scale' in step:
            scale = step['scale']
            return int(max(scale) if isinstance(scale, Sequence)
                       else scale), 200
    return 1024, 200


def progress_bar(show: bool = True,
                 file=None) -> Callable[[int, int], None]:
    """``(done, total)`` callback drawing mmengine's progress bar (tiles
    done / total, rate, ETA) on ``file`` (standard output by default)."""
    state = {}

    def progress(done, total):
        if not show:
            return
        if 'bar' not in state:
            state['bar'] = ProgressBar(total, file=file or sys.stdout)
            state['done'] = 0
        state['bar'].update(done - state['done'])
        state['done'] = done

    return progress


def inference_scene(model, src: str, src2: Optional[str] = None,
                    out_dir: str = 'outputs', tile: Optional[int] = None,
                    overlap: Optional[int] = None, batch_size: int = 4,
                    chunk: int = 2048,
                    bands: Optional[Sequence[str]] = None,
                    preview: bool = True, show_progress: bool = True,
                    iou_thr: float = DOTA_MERGE_IOU,
                    preview_side: int = 1024) -> dict:
    """Run ``model`` (from :func:`init_model`) on the scene ``src`` (and
    ``src2``, the second date of a change pair) and write georeferenced
    results into ``out_dir``, named after ``src``:

    - segmentation: ``<name>_classes.tif``; change detection:
      ``<name>_change.tif`` (1 = changed): uint8 GeoTIFFs on the scene's
      grid (see :func:`rsfm.apis.scene.dense_inference`);
    - oriented detection: ``<name>_boxes.gpkg`` and ``.geojson`` (polygons
      in the scene's CRS with class and score) and ``<name>_task1/`` (DOTA
      Task1 lines in scene pixels), merged across tiles by class-wise
      rotated NMS at ``iou_thr`` (see :mod:`rsfm.apis.detection`);
    - ``<name>_preview.png``: the scene downsampled with the result drawn.

    Existing files are never overwritten.

    Args:
        tile, overlap: Tile side and overlap in pixels; by default 512 and
            128 for dense tasks, and the test resize (e.g. 1024) and 200
            for oriented detection.
        batch_size: Tiles per forward.
        chunk: Side of the chunks of dense tasks (bounds their memory).
        bands: Names of the file's bands in file order, for files whose
            bands carry no descriptions (matched to the model's bands by
            name; see :func:`rsfm.apis.scene.plan_bands`).
        iou_thr: IoU of the NMS that merges oriented boxes across tiles
            (0.1: mmrotate's DOTA merge rule).
        preview_side: Longest side of the preview PNG.

    Returns:
        ``task``, the output paths (``classes``, or ``gpkg``, ``geojson``
        and ``task1``; and ``preview``) and the counts (``tiles`` run;
        ``chunks``, or ``boxes`` found).
    """
    task = task_of(model)
    if (task == 'change') != (src2 is not None):
        raise ValueError('change detection takes two scenes (SRC SRC2); '
                         'segmentation takes one' if task == 'change' else
                         f'a {task} model takes one scene, got two')
    default_tile, default_overlap = default_tiling(model, task)
    tile = tile or default_tile
    if overlap is None:  # the default, kept below a smaller --tile
        overlap = min(default_overlap, tile // 4)
    name = osp.splitext(osp.basename(src))[0]
    if task == 'rotated':
        outputs = detection_paths(out_dir, name)
    else:
        kind = 'change' if task == 'change' else 'classes'
        outputs = dict(classes=osp.join(out_dir, f'{name}_{kind}.tif'))
    if preview:
        outputs['preview'] = osp.join(out_dir, f'{name}_preview.png')
    check_new(outputs.values())  # before any work
    meta = model.dataset_meta or {}
    if task == 'rotated' and not meta.get('classes'):
        raise ValueError('the model has no class names (dataset_meta '
                         'classes in the checkpoint or the config\'s test '
                         'dataset): the outputs name each box\'s class')
    palette = meta.get('palette') or DEFAULT_PALETTE
    loader = loader_of(model.cfg)
    scenes = [Scene(p, loader, bands) for p in (src, src2) if p]
    os.makedirs(out_dir, exist_ok=True)
    progress = progress_bar(show_progress)
    try:
        if task == 'rotated':
            dets, tiles = detect_scene(model, scenes[0], tile, overlap,
                                       batch_size, iou_thr=iou_thr,
                                       progress=progress)
            write_detections(dets, scenes[0], meta['classes'], outputs)
            result = dict(tiles=tiles, boxes=len(dets))
            if preview:
                write_box_preview(scenes[0], dets, outputs['preview'],
                                  palette, preview_side)
        else:
            result = dense_inference(model, scenes, outputs['classes'],
                                     tile, overlap, chunk, batch_size,
                                     progress=progress)
            if preview:
                write_preview(scenes[0], outputs['classes'],
                              outputs['preview'], palette, preview_side,
                              change=task == 'change')
    finally:
        for scene in scenes:
            scene.close()
    return dict(task=task, **result, **outputs)
