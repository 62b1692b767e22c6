"""A first run in one command: train a tiny segmentation model on generated
data, then run it on a generated GeoTIFF scene.

    python tools/demo.py [--out work_dirs/demo] [--iters 300]
                         [--scene 2048x1536] [--device cpu]

Nothing is downloaded. The steps, each with the real entry point:

1. synthetic Potsdam-like clips in mmseg's layout (``OUT/data``;
   rsfm/utils/synthetic.py) and a georeferenced 3-band GeoTIFF scene
   (``OUT/scene.tif``, UTM 32N at 25 cm);
2. ``tools/train.py`` trains configs/demo/upernet_convnext-atto_... (UperNet
   on a ConvNeXt-atto from scratch) into ``OUT/train``;
3. ``tools/inference.py`` runs the checkpoint on the scene into
   ``OUT/inference``: the class map as a GeoTIFF on the scene's grid and a
   preview PNG.

The paths of the outputs are printed at the end. About 3 minutes on a
2-core CPU with the defaults. OUT must not exist yet (nothing is
overwritten).
"""
import argparse
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs', 'demo',
                  'upernet_convnext-atto_1xb8-300it_synthetic-potsdam-'
                  '128x128.py')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='work_dirs/demo',
                        help='new folder for data, training and outputs')
    parser.add_argument('--iters', type=int, default=300,
                        help='training iterations')
    parser.add_argument('--scene', default='2048x1536',
                        help='scene size WIDTHxHEIGHT in pixels')
    parser.add_argument('--clips', type=int, default=48,
                        help='training clips of 256 pixels')
    parser.add_argument('--device', default='cpu', help='inference device')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def scene_size(text: str):
    try:
        width, height = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise ValueError(f'--scene {text!r}: expected WIDTHxHEIGHT, e.g. '
                         f'2048x1536') from None
    if min(width, height) < 64:
        raise ValueError(f'--scene {text!r}: at least 64x64 pixels')
    return width, height


def step(number: int, text: str) -> None:
    print(f'\n[demo {number}/3] {text}', flush=True)


def run_tool(args) -> None:
    """Run a tool of this repository; its output streams through."""
    subprocess.run([sys.executable] + args, cwd=REPO, check=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    width, height = scene_size(args.scene)
    out = osp.abspath(args.out)
    if osp.exists(out):
        raise FileExistsError(f'{out} exists; pass a new --out (the demo '
                              f'never overwrites)')
    start = time.perf_counter()
    from rsfm.utils.synthetic import (landscape_windows, write_clips,
                                      write_geotiff)
    step(1, f'generating data in {out}')
    data = osp.join(out, 'data')
    rng = np.random.default_rng(args.seed)
    write_clips(data, 'train', args.clips, 256, rng)
    write_clips(data, 'val', 4, 256, rng)
    os.makedirs(out, exist_ok=True)
    scene = write_geotiff(osp.join(out, 'scene.tif'), width, height,
                          landscape_windows(args.seed + 1),
                          block=max(width, height),
                          descriptions=('R', 'G', 'B'))
    print(f'{args.clips} + 4 clips of 256 px; scene {width}x{height} '
          f'({scene})', flush=True)

    step(2, f'training {args.iters} iterations (tools/train.py)')
    work_dir = osp.join(out, 'train')
    run_tool(['tools/train.py', CONFIG, '--work-dir', work_dir,
              '--cfg-options', f'train_cfg.max_iters={args.iters}',
              f'train_cfg.val_interval={args.iters}',
              f'default_hooks.checkpoint.interval={args.iters}',
              f'train_dataloader.dataset.data_root={data}',
              f'val_dataloader.dataset.data_root={data}',
              f'test_dataloader.dataset.data_root={data}'])
    checkpoint = osp.join(work_dir, f'iter_{args.iters}.pth')
    config = osp.join(work_dir, osp.basename(CONFIG))

    step(3, 'running the model on the scene (tools/inference.py)')
    results = osp.join(out, 'inference')
    run_tool(['tools/inference.py', config, checkpoint, scene, '--out',
              results, '--device', args.device])

    print(f'\nrsfm demo done in {time.perf_counter() - start:.0f} s:')
    for name, path in [
            ('scene (GeoTIFF)', scene), ('config', config),
            ('checkpoint', checkpoint),
            ('class map (GeoTIFF)', osp.join(results, 'scene_classes.tif')),
            ('preview', osp.join(results, 'scene_preview.png'))]:
        if not osp.exists(path):
            raise FileNotFoundError(f'the demo did not write {path}')
        print(f'  {name:20s} {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
