"""LoveDA test-server submissions."""
import os.path as osp
import zipfile
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from rsfm.registry import METRICS
from rsfm.utils.atomic import atomic_output
from .change_maps import write_once

ZIP_NAME = 'loveda_submission.zip'


@METRICS.register_module()
class LoveDASubmissionMetric(BaseMetric):
    """Write what the LoveDA test server accepts: one PNG per test image,
    named as the image, uint8, values 0..6 (background ... agricultural),
    and ``output_dir/loveda_submission.zip`` with the PNGs at its root.

    NOTE: mmseg 1.x's ``IoUMetric(format_only=True)`` adds 1 back to the
    predictions of a ``reduce_zero_label`` dataset (values 1..7), which the
    server rejects (open-mmlab/mmsegmentation#3279); and a zipped folder
    scores 0. Scores on labelled splits come from mmseg's ``IoUMetric``.

    Args:
        format_only: Must be True (``tools/test.py --format-only`` sets it).
        output_dir: Folder for the PNGs and the zip (``--out-dir``).
        num_classes: Predicted classes (LoveDA: 7).
        collect_device: ``'cpu'`` or ``'gpu'``.
        prefix: Prefix of the (no) metric keys.
    """
    default_prefix: Optional[str] = None

    def __init__(self, format_only: bool = True,
                 output_dir: Optional[str] = None, num_classes: int = 7,
                 collect_device: str = 'cpu', prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not format_only or not output_dir:
            raise ValueError('LoveDASubmissionMetric writes submissions '
                             '(format_only=True, output_dir=DIR); score '
                             'labelled splits with IoUMetric')
        self.output_dir, self.num_classes = output_dir, num_classes

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].cpu().numpy()
            pred = pred.reshape(pred.shape[-2:])  # (1, H, W) or (H, W)
            if pred.min() < 0 or pred.max() >= self.num_classes:
                raise ValueError(f'prediction of {sample["img_path"]} holds '
                                 f'values outside 0..{self.num_classes - 1}')
            name = osp.splitext(osp.basename(sample['img_path']))[0]
            write_once(osp.join(self.output_dir, f'{name}.png'),
                       pred.astype(np.uint8))
            self.results.append((name, sample['img_path']))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        images = {}
        for name, path in results:
            if images.setdefault(name, path) != path:
                raise ValueError(f'two test images give {name}.png: '
                                 f'{images[name]} and {path}')
        archive = osp.join(self.output_dir, ZIP_NAME)
        with atomic_output(archive) as tmp, \
                zipfile.ZipFile(tmp, 'w', zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(images):
                zf.write(osp.join(self.output_dir, f'{name}.png'),
                         f'{name}.png')  # at the root of the zip
        print_log(f'{len(images)} LoveDA predictions (values 0..6) in '
                  f'{self.output_dir}; upload {archive}', logger='current')
        return {}
