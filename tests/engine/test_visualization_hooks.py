import os

import cv2
import numpy as np
import rasterio
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from rsfm.engine.hooks.seg_visualization_hook import SegVisualizationHook


def _sample(path, h, w):
    sample = SegDataSample(metainfo=dict(img_path=str(path)))
    sample.pred_sem_seg = PixelData(data=torch.ones(1, h, w, dtype=torch.long))
    sample.gt_sem_seg = PixelData(data=torch.zeros(1, h, w, dtype=torch.long))
    return sample


def test_seg_drawings_are_flat_and_read_multiband_geotiffs(tmp_path):
    """4-band GeoTIFF input (Potsdam RGBIR): drawn from its R, G, B bands,
    ground truth beside prediction, as out_dir/NAME.png."""
    h, w = 16, 24
    path = tmp_path / 'top_potsdam_2_13_0_0.tif'
    pixels = np.random.default_rng(0).integers(0, 255, (4, h, w), np.uint8)
    with rasterio.open(path, 'w', driver='GTiff', width=w, height=h,
                       count=4, dtype='uint8') as dst:
        dst.write(pixels)
        dst.descriptions = ('R', 'G', 'B', 'NIR')
    visualizer = SegLocalVisualizer.get_instance('seg_hook_test')
    visualizer.set_dataset_meta(classes=('a', 'b'),
                                palette=[[255, 0, 0], [0, 0, 255]])
    out = tmp_path / 'show'
    hook = SegVisualizationHook(draw=True, interval=1, out_dir=str(out))
    for _ in range(2):  # a repeated sample (distributed padding) is kept
        hook.after_test_iter(None, 0, None, [_sample(path, h, w)])
    assert os.listdir(out) == ['top_potsdam_2_13_0_0.png']
    drawn = cv2.imread(str(out / 'top_potsdam_2_13_0_0.png'))
    assert drawn.shape == (h, 2 * w, 3)  # truth | prediction
