"""Build a model from a config and checkpoint, and run it on whole scenes."""
import os
import os.path as osp
from typing import Optional, Sequence

import cv2
import numpy as np
import rasterio
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar
from rasterio.enums import Resampling

from .scene import Scene, dense_inference, loader_of

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


def write_preview(scene: Scene, classes_path: str, path: str,
                  palette: Sequence, max_side: int = 1024,
                  change: bool = False) -> str:
    """A PNG of the scene, downsampled to at most ``max_side`` (read by
    decimation, never whole), with the class map drawn over it: classes in
    their colours at half opacity, or changed pixels in red."""
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
    img = _stretch(img).transpose(1, 2, 0).astype(np.float32)  # RGB
    with rasterio.open(classes_path) as src:
        classes = src.read(1, out_shape=(h, w),
                           resampling=Resampling.nearest)
    if change:
        mask = classes > 0
        img[mask] = 0.4 * img[mask] + 0.6 * np.array([255., 0., 0.])
    else:
        colours = np.array([palette[i % len(palette)]
                            for i in range(int(classes.max()) + 1)],
                           np.float32)
        img = 0.5 * img + 0.5 * colours[classes]
    if osp.exists(path):
        raise FileExistsError(f'{path} exists; choose a new output')
    cv2.imwrite(path, img.astype(np.uint8)[..., ::-1])
    return path


def inference_scene(model, src: str, src2: Optional[str] = None,
                    out_dir: str = 'outputs', tile: int = 512,
                    overlap: int = 128, batch_size: int = 4,
                    chunk: int = 2048,
                    bands: Optional[Sequence[str]] = None,
                    preview: bool = True, show_progress: bool = True
                    ) -> dict:
    """Run ``model`` (from :func:`init_model`) on the scene ``src`` (and
    ``src2``, the second date of a change pair) and write georeferenced
    results into ``out_dir``: ``<name>_classes.tif`` (segmentation) or
    ``<name>_change.tif`` (change detection, 1 = changed), and a preview
    PNG. Existing files are never overwritten.

    Args:
        bands: Names of the file's bands in file order, for files whose
            bands carry no descriptions (matched to the model's bands by
            name; see :func:`rsfm.apis.scene.plan_bands`).

    Returns:
        ``dict(task, classes, preview, tiles, chunks)``.
    """
    task = task_of(model)
    if task == 'rotated':
        raise NotImplementedError(
            'oriented detection on whole scenes is not in rsfm.apis yet; '
            'split the scene with tools/dataset_converters/dota_split.py '
            'and merge with tools/test.py --format-only')
    if (task == 'change') != (src2 is not None):
        raise ValueError('change detection takes two scenes (SRC SRC2); '
                         'segmentation takes one' if task == 'change' else
                         f'a {task} model takes one scene, got two')
    loader = loader_of(model.cfg)
    scenes = [Scene(p, loader, bands) for p in (src, src2) if p]
    os.makedirs(out_dir, exist_ok=True)
    name = osp.splitext(osp.basename(src))[0]
    classes_path = osp.join(out_dir, f'{name}_'
                            f'{"change" if task == "change" else "classes"}'
                            f'.tif')
    preview_path = osp.join(out_dir, f'{name}_preview.png')
    for path in (classes_path, preview_path) if preview else (classes_path, ):
        if osp.exists(path):
            raise FileExistsError(f'{path} exists; choose a new --out')
    bar = {}

    def progress(done, total):
        if not show_progress:
            return
        if 'bar' not in bar:
            bar['bar'], bar['done'] = ProgressBar(total), 0
        bar['bar'].update(done - bar['done'])
        bar['done'] = done

    try:
        counts = dense_inference(model, scenes, classes_path, tile, overlap,
                                 chunk, batch_size, progress=progress)
        palette = (model.dataset_meta or {}).get('palette') or \
            DEFAULT_PALETTE
        result = dict(task=task, classes=classes_path, **counts)
        if preview:
            result['preview'] = write_preview(scenes[0], classes_path,
                                              preview_path, palette,
                                              change=task == 'change')
    finally:
        for scene in scenes:
            scene.close()
    return result
