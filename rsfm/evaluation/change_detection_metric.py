"""Change-detection scores, every key named for what it measures."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from rsfm.registry import METRICS
from .change_maps import write_change_map


def scores_from_confusion(confusion: np.ndarray) -> Dict[str, float]:
    """Scores from a 2 x 2 confusion matrix ``[[tn, fp], [fn, tp]]`` (rows:
    ground truth, columns: prediction; class 1 = changed), in percent.

    A ratio whose denominator is 0 (e.g. precision with no pixel predicted
    changed) is 0, as scikit-learn's ``zero_division`` default.
    """
    (tn, fp), (fn, tp) = confusion.astype(np.float64)
    total = tn + fp + fn + tp

    def ratio(a, b):
        return float(a / b) if b else 0.

    out = dict(
        change_precision=ratio(tp, tp + fp),
        change_recall=ratio(tp, tp + fn),
        change_F1=ratio(2 * tp, 2 * tp + fp + fn),
        change_IoU=ratio(tp, tp + fp + fn),
        unchanged_F1=ratio(2 * tn, 2 * tn + fn + fp),
        unchanged_IoU=ratio(tn, tn + fn + fp),
        OA=ratio(tp + tn, total))
    out['mean_F1'] = (out['change_F1'] + out['unchanged_F1']) / 2
    out['mean_IoU'] = (out['change_IoU'] + out['unchanged_IoU']) / 2
    expected = ratio((tp + fp) * (tp + fn) + (tn + fn) * (tn + fp),
                     total * total)
    out['kappa'] = ratio(out['OA'] - expected, 1 - expected)
    return {k: round(v * 100, 4) for k, v in out.items()}


@METRICS.register_module()
class ChangeDetectionMetric(BaseMetric):
    """Binary change detection scores over all pixels of the test set.

    Keys, in percent, from one confusion matrix summed over every pixel
    (not averaged per image or per batch):

    - ``change_precision``, ``change_recall``, ``change_F1``, ``change_IoU``:
      of the *changed* class, what most change-detection papers report as
      "F1" and "IoU" (SMLFR's LEVIR-CD F1, SpectralGPT's OSCD F1);
    - ``unchanged_F1``, ``unchanged_IoU``: of the unchanged class;
    - ``mean_F1``, ``mean_IoU``: the two-class means, what mmseg's
      ``IoUMetric`` reports as ``mFscore``/``mIoU`` for two classes (and
      some LEVIR-CD tables call "F1");
    - ``OA``: overall accuracy; ``kappa``: Cohen's kappa x 100.

    Pixels labelled ``ignore_index`` are left out.

    With ``format_only=True`` nothing is scored: each pair's predicted
    change map is written to ``output_dir`` as ``NAME.png`` (0/255, ``NAME``
    the date-1 file name), or ``NAME.tif`` with the georeference of the
    date-1 image when that is a georeferenced GeoTIFF (OSCD). Two pairs
    whose date-1 files share a name are an error naming both.

    Args:
        ignore_index: Label value left out of the scores.
        format_only: Write change maps instead of scoring.
        output_dir: Folder for the change maps (created; files already
            there are never overwritten).
        collect_device: ``'cpu'`` or ``'gpu'`` for gathering results.
        prefix: Prefix of the keys (none by default).
    """
    default_prefix: Optional[str] = None

    def __init__(self,
                 ignore_index: int = 255,
                 format_only: bool = False,
                 output_dir: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if format_only and not output_dir:
            raise ValueError('ChangeDetectionMetric format_only needs '
                             'output_dir')
        self.ignore_index = ignore_index
        self.format_only, self.output_dir = format_only, output_dir

    def _check_classes(self):
        classes = (self.dataset_meta or {}).get('classes')
        if classes is not None and len(classes) != 2:
            raise ValueError(f'ChangeDetectionMetric scores two classes '
                             f'(unchanged, changed); the dataset has '
                             f'{len(classes)}: {classes}')

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        self._check_classes()
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].cpu().numpy()
            pred = pred.reshape(pred.shape[-2:])  # (1, H, W) or (H, W)
            if self.format_only:
                pair = sample.get('img_path')
                if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                    raise ValueError(
                        f'ChangeDetectionMetric expects img_path = [date 1, '
                        f'date 2] (a change-detection dataset), got {pair!r}')
                name = osp.splitext(osp.basename(pair[0]))[0]
                write_change_map(osp.join(self.output_dir, name), pred,
                                 reference=pair[0])
                self.results.append((name, tuple(pair)))
                continue
            gt = sample['gt_sem_seg']['data'].cpu().numpy()
            gt = gt.reshape(gt.shape[-2:])
            if pred.shape != gt.shape:
                raise ValueError(f'prediction {pred.shape} and label '
                                 f'{gt.shape} of {sample.get("img_path")} '
                                 f'differ in shape')
            valid = gt != self.ignore_index
            gt, pred = gt[valid].astype(np.int64), pred[valid]
            bad = np.unique(gt[gt > 1])
            if bad.size:
                raise ValueError(f'label of {sample.get("seg_map_path")} '
                                 f'holds values {bad[:8].tolist()}; change '
                                 f'maps hold 0, 1 (and the ignore index)')
            self.results.append(np.bincount(
                2 * gt + (pred > 0), minlength=4).reshape(2, 2))

    def compute_metrics(self, results: List[np.ndarray]) -> Dict[str, float]:
        if self.format_only:
            pairs = {}
            for name, pair in results:
                if pairs.setdefault(name, pair) != pair:
                    raise ValueError(
                        f'two test pairs give the change map {name}: '
                        f'{pairs[name]} and {pair}; rename one')
            print_log(f'{len(pairs)} change maps written to '
                      f'{self.output_dir}', logger='current')
            return {}
        scores = scores_from_confusion(sum(results))
        width = max(map(len, scores))
        table = '\n'.join(f'  {k:<{width}}  {v:8.2f}'
                          for k, v in scores.items())
        print_log(f'change detection (percent, all test pixels):\n{table}',
                  logger='current')
        return scores
