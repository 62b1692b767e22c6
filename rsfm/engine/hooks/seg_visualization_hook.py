"""Segmentation predictions drawn over their images, one flat file each."""
import os
import os.path as osp
from typing import Optional, Sequence

import cv2
from mmseg.engine.hooks import SegVisualizationHook as _MMSegHook

from rsfm.evaluation.change_maps import write_once
from rsfm.registry import HOOKS
from .cd_visualization_hook import display_rgb


@HOOKS.register_module()
class SegVisualizationHook(_MMSegHook):
    """mmseg's ``SegVisualizationHook`` that, given ``out_dir``, writes each
    test image as ``out_dir/NAME.png`` (``NAME`` the image's file name
    without extension): the ground-truth colour map over the image, then the
    predicted one, as mmseg's ``SegLocalVisualizer`` draws them. Multi-band
    GeoTIFF inputs are shown from their bands named ``rgb_bands`` (2-98 %
    stretch, see :func:`~rsfm.engine.hooks.cd_visualization_hook.
    display_rgb`). Without ``out_dir`` it is mmseg's hook (images through
    the visualizer's backends). ``tools/test.py --show-dir DIR`` sets
    ``draw=True``, ``interval=1`` and ``out_dir=DIR``.

    Args:
        out_dir: Folder for the drawings (created; an existing file is
            never overwritten, see
            :func:`rsfm.evaluation.change_maps.write_once`).
        rgb_bands: Band names rendered for multi-band GeoTIFF inputs.
        **kwargs: mmseg's ``draw``, ``interval``, ``show``, ``wait_time``,
            ``backend_args``.
    """

    def __init__(self, out_dir: Optional[str] = None,
                 rgb_bands: Sequence[str] = ('R', 'G', 'B'), **kwargs):
        super().__init__(**kwargs)
        self.out_dir, self.rgb_bands = out_dir, tuple(rgb_bands)

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs=None) -> None:
        if self.out_dir is None:
            return super().after_test_iter(runner, batch_idx, data_batch,
                                           outputs)
        if not self.draw or batch_idx % self.interval:
            return
        os.makedirs(self.out_dir, exist_ok=True)
        for sample in outputs:
            name = osp.splitext(osp.basename(sample.img_path))[0]
            # the visualizer writes files only: draw into a private file,
            # then place it once
            tmp = osp.join(self.out_dir, f'.{name}.{os.getpid()}.png')
            try:
                self._visualizer.add_datasample(
                    name, display_rgb(sample.img_path, self.rgb_bands),
                    data_sample=sample, draw_gt='gt_sem_seg' in sample,
                    out_file=tmp)
                drawn = cv2.imread(tmp, cv2.IMREAD_COLOR)
            finally:
                if osp.exists(tmp):
                    os.remove(tmp)
            write_once(osp.join(self.out_dir, name + '.png'), drawn)
