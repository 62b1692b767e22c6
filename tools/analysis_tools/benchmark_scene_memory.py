"""Peak memory of scene inference as the scene grows: rsfm's chunked
inference against whole-scene in-memory inference, side by side.

    python tools/analysis_tools/benchmark_scene_memory.py
        [--sizes 2048 8192 16384] [--tile 512] [--overlap 128]
        [--chunk 2048] [--batch-size 4] [--config CONFIG]
        [--work-dir DIR] [--no-reference] [--no-model] [--out FILE]

For each size a synthetic Potsdam-like 3-band GeoTIFF (SIZE x SIZE, made
window by window) is written into the work dir, then each method runs in a
fresh process on the same tiles with the same model (``--config``, random
weights; by default the demo's UperNet ConvNeXt-atto; ``--no-model``
replaces the network by cheap synthetic logits, to measure the pipeline
alone):

- ``rsfm``: :func:`rsfm.apis.dense_inference`: tiles read window by
  window, logits blended chunk by chunk, the class map written chunk by
  chunk;
- ``whole scene`` (the reference): the scene read into memory at once and
  the logits of all tiles blended over the whole scene before one argmax
  and one write, as in-memory tiled inference does (mmseg's community
  RSImageInference, TerraTorch's tiled inference).

rsfm runs the tiles that cross a chunk border once for each chunk they
overlap (``rsfm forwards``). Reported per size and method: the peak resident
memory above the process's
own after building the model and one warm-up batch (sampled every
millisecond), the time, and the ratios. Both methods run with rsfm's GDAL
block cache (``GDAL_CACHE_MB``). Each scene is
deleted after its runs.
"""
import argparse
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_CONFIG = osp.join(REPO, 'configs', 'demo',
                       'upernet_convnext-atto_1xb8-300it_synthetic-potsdam-'
                       '128x128.py')
METHODS = ('rsfm', 'whole scene')


def synthetic_logits(model, tiles):
    """``--no-model``: 5 "logits" per pixel from the bands, at almost no
    cost, so that only the pipeline's own memory is measured."""
    return [np.stack([t[..., 0] - t[..., 1], t[..., 1], t[..., 2],
                      -t[..., 0], t[..., 2] - t[..., 0]]) for t in tiles]


def whole_scene_inference(model, scene, out_path, tile, overlap,
                          batch_size, progress, tile_logits):
    """The reference: the scene in memory, one accumulator over all of it,
    one argmax and one write."""
    import rasterio

    from rsfm.apis.scene import (ChunkAccumulator, output_profile,
                                 tile_weight, tile_windows, to_classes)
    img = scene.src.read(scene.plan.indexes)
    if scene.plan.bgr:
        img = img[::-1]
    img = np.ascontiguousarray(img.transpose(1, 2, 0), dtype=np.float32)
    windows = tile_windows(scene.width, scene.height, tile, overlap)
    accumulator = None
    for i in range(0, len(windows), batch_size):
        batch = windows[i:i + batch_size]
        tiles = [img[y1:y2, x1:x2] for x1, y1, x2, y2 in batch]
        for (x1, y1, x2, y2), logits in zip(batch,
                                            tile_logits(model, tiles)):
            if accumulator is None:
                accumulator = ChunkAccumulator(
                    (0, 0, scene.width, scene.height), logits.shape[0])
            accumulator.add((x1, y1, x2, y2), logits,
                            tile_weight(y2 - y1, x2 - x1, overlap))
        progress(i + len(batch), len(windows))
    classes = to_classes(accumulator.blended(), None)
    with rasterio.open(out_path, 'w', **output_profile(scene)) as dst:
        dst.write(classes[None])
    return dict(tiles=len(windows))


def child(args) -> dict:
    """One method on one scene, in this (fresh) process."""
    import rasterio
    import torch

    from rsfm.apis import Scene, dense_inference, init_model, loader_of
    from rsfm.apis.inference import progress_bar
    from rsfm.apis.scene import GDAL_CACHE_MB, dense_tile_logits
    from rsfm.utils.benchmark import peak_memory
    torch.manual_seed(0)
    model = init_model(args.config, None, 'cpu')
    scene = Scene(args.scene, loader_of(model.cfg))
    tile_logits = synthetic_logits if args.no_model else dense_tile_logits
    warm = [scene.read((0, 0, args.tile, args.tile))] * args.batch_size
    tile_logits(model, warm)  # the model's own working memory
    progress = progress_bar(file=sys.stderr)
    out = osp.join(osp.dirname(args.scene), f'classes_{os.getpid()}.tif')
    counts = {}

    def run():
        with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB):  # both as rsfm's
            run_method()

    def run_method():
        if args.child == 'rsfm':
            counts.update(dense_inference(
                model, [scene], out, args.tile, args.overlap, args.chunk,
                args.batch_size, tile_logits=tile_logits,
                progress=progress))
        else:
            counts.update(whole_scene_inference(
                model, scene, out, args.tile, args.overlap, args.batch_size,
                progress, tile_logits))

    start = time.perf_counter()
    mib = peak_memory(run, 'cpu')
    seconds = time.perf_counter() - start
    os.remove(out)
    sys.stderr.write('\n')
    return dict(mib=mib, seconds=seconds, tiles=counts['tiles'])


def run_child(args, method: str, scene: str) -> dict:
    command = [sys.executable, osp.abspath(__file__), '--child', method,
               '--scene', scene, '--config', args.config, '--tile',
               str(args.tile), '--overlap', str(args.overlap), '--chunk',
               str(args.chunk), '--batch-size', str(args.batch_size)] + \
        (['--no-model'] if args.no_model else [])
    proc = subprocess.run(command, stdout=subprocess.PIPE, text=True,
                          cwd=REPO)
    if proc.returncode:
        raise RuntimeError(f'{method} on {scene} failed (exit '
                           f'{proc.returncode})')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def report(args, results, command: str) -> str:
    import torch
    methods = [m for m in METHODS if any(m in r for r in results.values())]
    model = 'none (--no-model: 5 synthetic logits per pixel)' \
        if args.no_model else \
        f'{osp.relpath(args.config, REPO)} (random weights)'
    lines = [
        f'`{command}`', '',
        f'Model: {model}; tiles {args.tile} px overlapping by {args.overlap}, batch '
        f'{args.batch_size}, chunks of {args.chunk} px; CPU, torch '
        f'{torch.__version__}, {torch.get_num_threads()} threads. Memory: '
        f'peak resident set above the process after building the model and '
        f'one warm-up batch (MiB).', '',
        '| scene | pixels | tiles | rsfm forwards | ' + ' | '.join(
            f'{m} MiB | {m} s' for m in methods) +
        (' | memory ratio (whole / rsfm) | time ratio (rsfm / whole) |'
         if len(methods) == 2 else ' |'),
        '|---' * (4 + 2 * len(methods) + (2 if len(methods) == 2 else 0)) +
        '|'
    ]
    from rsfm.apis import tile_windows
    for size, row in results.items():
        windows = tile_windows(size, size, args.tile, args.overlap)
        cells = [f'{size}x{size}', f'{size * size / 1e6:.1f} M',
                 str(len(windows)), str(row['rsfm']['tiles'])]
        for m in methods:
            cells += [f'{row[m]["mib"]:.0f}', f'{row[m]["seconds"]:.0f}']
        if len(methods) == 2:
            whole, ours = row['whole scene'], row['rsfm']
            cells += [f'{whole["mib"] / max(ours["mib"], 1):.1f}',
                      f'{ours["seconds"] / whole["seconds"]:.2f}']
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', type=int, nargs='+',
                        default=[2048, 8192, 16384])
    parser.add_argument('--tile', type=int, default=512)
    parser.add_argument('--overlap', type=int, default=128)
    parser.add_argument('--chunk', type=int, default=2048)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--config', default=DEMO_CONFIG,
                        help='segmentation config (random weights)')
    parser.add_argument('--work-dir', help='where the scenes are written '
                        '(default: a temporary folder)')
    parser.add_argument('--no-reference', action='store_true',
                        help='measure rsfm only')
    parser.add_argument('--no-model', action='store_true',
                        help='cheap synthetic logits instead of the network: '
                        'the memory of the pipeline alone')
    parser.add_argument('--out', help='also write the table to this new '
                        'file')
    parser.add_argument('--child', help=argparse.SUPPRESS)
    parser.add_argument('--scene', help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    args.config = osp.abspath(args.config)
    if args.child:
        print(json.dumps(child(args)))
        return 0
    if args.out and osp.exists(args.out):
        raise FileExistsError(f'--out {args.out} exists; the benchmark '
                              f'writes a new file')
    from rsfm.utils.benchmark import emit_report
    from rsfm.utils.synthetic import landscape_windows, write_geotiff
    work = args.work_dir or tempfile.mkdtemp(prefix='rsfm_scene_memory_')
    os.makedirs(work, exist_ok=True)
    methods = METHODS[:1] if args.no_reference else METHODS
    results = {}
    for n, size in enumerate(args.sizes, 1):
        scene = osp.join(work, f'scene_{size}.tif')
        print(f'[{n}/{len(args.sizes)}] writing a {size}x{size} scene',
              flush=True)
        write_geotiff(scene, size, size, landscape_windows(size))
        try:
            results[size] = {}
            for method in methods:
                print(f'[{n}/{len(args.sizes)}] {method}', flush=True)
                results[size][method] = run_child(args, method, scene)
                print(json.dumps(results[size][method]), flush=True)
        finally:
            os.remove(scene)
    if not args.work_dir:
        shutil.rmtree(work)
    command = ' '.join(['python tools/analysis_tools/'
                        'benchmark_scene_memory.py'] +
                       list(argv if argv is not None else sys.argv[1:]))
    text = report(args, results, command)
    emit_report(text, args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
