"""Scenes and saved tiny models for the scene-inference tests."""
import subprocess
import sys

import cv2
import numpy as np
import rasterio
import torch
from mmengine.registry import MODELS, init_default_scope
from rasterio.transform import from_origin

CRS = 'EPSG:32633'
TRANSFORM = from_origin(500000., 4500000., 0.5, 0.5)


def write_scene(path, bands=3, width=150, height=110, descriptions=None,
                seed=0, transform=TRANSFORM, dtype='uint8'):
    """A smooth georeferenced scene (UTM 33N, 0.5 m pixels)."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, (bands, height // 10 + 1, width // 10 + 1))
    data = np.kron(coarse, np.ones((10, 10)))[:, :height, :width]
    with rasterio.open(path, 'w', driver='GTiff', width=width,
                       height=height, count=bands, dtype=dtype, crs=CRS,
                       transform=transform) as dst:
        dst.write(data.astype(dtype))
        for i, name in enumerate(descriptions or (), 1):
            dst.set_band_description(i, name)
    return str(path)


def saved_model(cfg, tmp_path, name, classes=('a', 'b', 'c', 'd', 'e')):
    """The tiny config's model with random weights, as a config file and a
    checkpoint (with ``classes``) that init_model reads."""
    init_default_scope(cfg.default_scope)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    cfg_path, ckpt = str(tmp_path / f'{name}.py'), str(tmp_path / 'w.pth')
    cfg.dump(cfg_path)
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': dict(
                    classes=classes,
                    palette=[[255, 0, 0]] * len(classes))}}, ckpt)
    return cfg_path, ckpt


def run_cli_on_png(model_files, tmp_path, name, *options):
    """``tools/inference.py`` on a random 90x70 PNG ``name``.png with
    64-pixel tiles; the process and the output folder."""
    from tests.conftest import REPO
    png = str(tmp_path / f'{name}.png')
    cv2.imwrite(png, np.random.default_rng(0).integers(
        0, 255, (70, 90, 3), dtype=np.uint8))
    out = tmp_path / 'cli'
    proc = subprocess.run(
        [sys.executable, 'tools/inference.py', *model_files, png, '--out',
         str(out), '--tile', '64', '--overlap', '16', *options],
        cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert '4/4' in proc.stdout + proc.stderr  # the progress bar's tiles
    return proc, out
