"""Change maps shown beside their inputs: A | B | prediction | ground truth."""
import os
import os.path as osp
from typing import Optional, Sequence

import cv2
import mmcv
import numpy as np
import rasterio
from mmengine.hooks import Hook

from rsfm.evaluation.change_maps import write_once
from rsfm.registry import HOOKS
from rsfm.utils.raster import is_geotiff

GAP = 4  # white pixels between panels


def display_rgb(path: str, rgb_bands: Sequence[str]) -> np.ndarray:
    """An 8-bit ``(H, W, 3)`` RGB rendering of an image file: 8-bit files
    as they are; GeoTIFFs from their bands named ``rgb_bands`` (else the
    first three, or one band as grey), stretched between the 2nd and 98th
    percentile of each band."""
    if not is_geotiff(path):
        return mmcv.imread(path, channel_order='rgb')
    with rasterio.open(path) as src:
        names = tuple(src.descriptions)
        if all(b in names for b in rgb_bands):
            indexes = [names.index(b) + 1 for b in rgb_bands]
        else:
            indexes = [1, 1, 1] if src.count < 3 else [1, 2, 3]
        img = src.read(indexes).transpose(1, 2, 0).astype(np.float32)
    low, high = np.percentile(img, (2, 98), axis=(0, 1))
    img = (img - low) / np.maximum(high - low, 1e-6)
    # C order: the band-first read is transposed, and OpenCV draws only
    # on contiguous arrays
    return np.ascontiguousarray((np.clip(img, 0, 1) * 255).astype(np.uint8))


def side_by_side(panels: Sequence[np.ndarray]) -> np.ndarray:
    """Panels ``(H, W, 3)`` or ``(H, W)`` in a row, white gaps between."""
    h = panels[0].shape[0]
    row = []
    for panel in panels:
        if panel.ndim == 2:
            panel = np.repeat(panel[..., None], 3, axis=2)
        if panel.shape[0] != h:
            panel = cv2.resize(panel, (panel.shape[1] * h // panel.shape[0],
                                       h), interpolation=cv2.INTER_NEAREST)
        row += [panel, np.full((h, GAP, 3), 255, np.uint8)]
    return np.concatenate(row[:-1], axis=1)


@HOOKS.register_module()
class CDVisualizationHook(Hook):
    """Write ``A | B | prediction | ground truth`` for each test pair to
    ``out_dir/NAME.png`` (``NAME`` the date-1 file name); changed pixels
    are white. Off unless ``draw=True`` (``tools/test.py --show-dir DIR``
    sets both).

    Args:
        draw: Write the images.
        out_dir: Folder for them (created; an existing file is never
            overwritten, see :func:`rsfm.evaluation.change_maps.write_once`).
        interval: Every ``interval``-th test batch.
        rgb_bands: Band names rendered for multispectral GeoTIFF inputs
            (Sentinel-2 true colour by default).
    """

    def __init__(self, draw: bool = False, out_dir: Optional[str] = None,
                 interval: int = 1,
                 rgb_bands: Sequence[str] = ('B04', 'B03', 'B02')):
        if draw and not out_dir:
            raise ValueError('CDVisualizationHook draw=True needs out_dir')
        self.draw, self.out_dir = draw, out_dir
        self.interval, self.rgb_bands = interval, tuple(rgb_bands)

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs=None) -> None:
        if not self.draw or batch_idx % self.interval:
            return
        os.makedirs(self.out_dir, exist_ok=True)
        for sample in outputs:
            date1, date2 = sample.img_path
            # (1, H, W), or (H, W) from mmseg's SegTTAModel
            pred = sample.pred_sem_seg.data.cpu().numpy()
            panels = [display_rgb(date1, self.rgb_bands),
                      display_rgb(date2, self.rgb_bands),
                      (pred.reshape(pred.shape[-2:]) > 0).astype(np.uint8) *
                      255]
            if 'gt_sem_seg' in sample:
                gt = sample.gt_sem_seg.data.cpu().numpy()
                gt = gt.reshape(gt.shape[-2:])
                panels.append(np.where(gt == 255, 128, gt * 255).astype(
                    np.uint8))
            name = osp.splitext(osp.basename(date1))[0] + '.png'
            write_once(osp.join(self.out_dir, name),
                       side_by_side(panels)[..., ::-1])  # to BGR
