"""The README's third command: a first run in one command."""
import subprocess
import sys

import cv2
import numpy as np
import pytest
import rasterio

from rsfm.utils.synthetic import (BUILDING, CAR, IMPERVIOUS, potsdam_like,
                                  write_geotiff)
from tests.conftest import REPO


def test_demo_trains_and_runs_on_a_geotiff(tmp_path):
    out = tmp_path / 'demo'
    command = [sys.executable, 'tools/demo.py', '--out', str(out), '--iters',
               '2', '--clips', '4', '--scene', '300x200']
    proc = subprocess.run(command, cwd=REPO, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for step in ('[demo 1/3]', '[demo 2/3]', '[demo 3/3]'):
        assert step in proc.stdout
    classes = out / 'inference' / 'scene_classes.tif'
    preview = out / 'inference' / 'scene_preview.png'
    assert f'class map (GeoTIFF)  {classes}' in proc.stdout
    assert f'preview              {preview}' in proc.stdout
    with rasterio.open(out / 'scene.tif') as src, \
            rasterio.open(classes) as dst:
        assert dst.crs == src.crs and dst.transform == src.transform
        assert src.crs.to_epsg() == 32632 and src.descriptions == (
            'R', 'G', 'B')
        assert dst.read(1).max() < 5
    assert cv2.imread(str(preview)).shape == (200, 300, 3)
    # the demo never overwrites
    again = subprocess.run(command, cwd=REPO, capture_output=True,
                           text=True)
    assert again.returncode != 0 and 'exists; pass a new --out' in \
        again.stderr


def test_synthetic_landscape_and_scene(tmp_path):
    rng = np.random.default_rng(0)
    img, labels = potsdam_like(rng, 200, 300)
    assert img.shape == (200, 300, 3) and img.dtype == np.uint8
    assert set(np.unique(labels)) >= {IMPERVIOUS, BUILDING, CAR}
    assert labels.min() >= 1 and labels.max() <= 6
    seen = []

    def window(x, y, w, h):
        seen.append((x, y, w, h))
        return np.full((2, h, w), x // 64 + y // 64, np.uint8)

    path = write_geotiff(str(tmp_path / 's.tif'), 150, 100, window,
                         block=64)
    assert max(w * h for _, _, w, h in seen[1:]) == 64 * 64
    with rasterio.open(path) as src:
        data = src.read()
        assert src.count == 2 and src.res == (0.25, 0.25)
    assert data[0, 99, 149] == 2 + 1 and data[1, 0, 0] == 0
    with pytest.raises(FileExistsError, match='s.tif exists'):
        write_geotiff(path, 10, 10, window)
