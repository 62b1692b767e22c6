"""Time rsfm's DOTA splitter against mmrotate's ``img_split.py`` on a dense
scene, and check that both write the same patches, pixels and objects.

    python tools/analysis_tools/benchmark_dota_split.py [--mmrotate PATH]
        [--size 4000] [--objects 3000] [--window 1024] [--gap 200]
        [--rounds 2] [--scene IMG --label TXT] [--out NEW_FILE]

Without ``--scene`` a dense synthetic scene is generated (seeded): ``size``
pixels square, ``objects`` rotated rectangles of 8 to 120 pixels in the DOTA
label grammar. ``--mmrotate PATH`` is a checkout of open-mmlab/mmrotate; its
``tools/data/dota/split/img_split.py`` is imported from there (mmrotate's pip
package does not ship it). Each round splits the scene with both, rsfm
first in odd rounds and mmrotate first in even ones, single process, into
fresh folders; reported are the median seconds per scene and the ratio
rsfm / mmrotate (< 1: rsfm is faster). Patches are compared by name and
pixels, objects by category, corners (to 1e-3 px) and difficulty.
"""
import argparse
import importlib.util
import os
import os.path as osp
import statistics
import sys
import tempfile
import time

import cv2
import numpy as np

from rsfm.datasets.dota_labels import (DOTA_V1_CLASSES, DOTAObject,
                                       dump_dota_labels, load_dota_labels)
from rsfm.datasets.dota_split import PATCH_THREADS, split_scene
from rsfm.utils.benchmark import emit_report

SPLIT = dict(img_rate_thr=0.6, iof_thr=0.7, padding_value=(104, 116, 124))


def synthetic_scene(folder: str, size: int, count: int, seed: int = 0,
                    noise: bool = False):
    """A ``size``-pixel scene with ``count`` rotated objects: smooth
    terrain with a little grain (compresses about as aerial imagery does),
    or pure noise (the worst case for PNG encoding); returns the image and
    label paths."""
    rng = np.random.default_rng(seed)
    if noise:
        img = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
    else:
        coarse = rng.uniform(0, 255, (size // 32 + 1, size // 32 + 1, 3))
        img = cv2.resize(coarse.astype(np.float32), (size, size))
        img = np.clip(img + rng.normal(0, 4, img.shape), 0,
                      255).astype(np.uint8)
    objects = []
    for _ in range(count):
        cx, cy = rng.uniform(0, size, 2)
        w, h = rng.uniform(4, 60, 2)
        a = rng.uniform(0, np.pi)
        c, s = np.cos(a), np.sin(a)
        corners = [(cx + x * c - y * s, cy + x * s + y * c)
                   for x, y in ((-w, -h), (w, -h), (w, h), (-w, h))]
        objects.append(DOTAObject(
            np.round(np.array(corners).ravel(), 1).tolist(),
            str(rng.choice(DOTA_V1_CLASSES)), int(rng.integers(0, 2))))
    image = osp.join(folder, 'images', 'P9999.png')
    label = osp.join(folder, 'labelTxt', 'P9999.txt')
    os.makedirs(osp.dirname(image))
    os.makedirs(osp.dirname(label))
    cv2.imwrite(image, img)
    dump_dota_labels(label, objects)
    return image, label


def load_img_split(repo: str):
    path = osp.join(repo, 'tools', 'data', 'dota', 'split', 'img_split.py')
    if not osp.isfile(path):
        raise FileNotFoundError(f'--mmrotate {repo} has no {path}')
    spec = importlib.util.spec_from_file_location('mmrotate_img_split', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_rsfm(image, label, out, window, gap) -> float:
    start = time.perf_counter()
    for sub in ('images', 'annfiles'):
        os.makedirs(osp.join(out, sub))
    split_scene(image, label, out, [window], [gap], **SPLIT)
    return time.perf_counter() - start


def run_mmrotate(module, image, label, out, window, gap) -> float:
    start = time.perf_counter()
    for sub in ('images', 'annfiles'):
        os.makedirs(osp.join(out, sub))
    info = module._load_dota_single(osp.basename(image), osp.dirname(image),
                                    osp.dirname(label))
    windows = module.get_sliding_window(info, [window], [gap],
                                        SPLIT['img_rate_thr'])
    anns = module.get_window_obj(info, windows, SPLIT['iof_thr'])
    module.crop_and_save_img(info, windows, anns, osp.dirname(image), False,
                             list(SPLIT['padding_value']),
                             osp.join(out, 'images'),
                             osp.join(out, 'annfiles'), '.png')
    return time.perf_counter() - start


def compare(a: str, b: str) -> str:
    """'identical', or what differs between two split folders."""
    names = sorted(os.listdir(osp.join(a, 'images')))
    if names != sorted(os.listdir(osp.join(b, 'images'))):
        return 'different patch names'
    float32_flags = 0  # wholly inside for rsfm, truncated (2) for mmrotate
    for name in names:
        if not np.array_equal(cv2.imread(osp.join(a, 'images', name)),
                              cv2.imread(osp.join(b, 'images', name))):
            return f'different pixels in {name}'
        txt = name[:-4] + '.txt'
        objs = [load_dota_labels(osp.join(d, 'annfiles', txt)).objects
                for d in (a, b)]
        if len(objs[0]) != len(objs[1]):
            return f'different object counts in {txt}'
        for o1, o2 in zip(*objs):
            if o1.category != o2.category or not np.allclose(
                    o1.poly, o2.poly, atol=1e-3):
                return f'different objects in {txt}'
            if o1.difficult != o2.difficult:
                if o1.difficult == 2 or o2.difficult != 2:
                    return f'different difficulty in {txt}'
                float32_flags += 1
    return 'identical' if not float32_flags else \
        f'identical but for {float32_flags} objects wholly inside a ' \
        f'window that mmrotate marks truncated (its float32 areas; see the ' \
        f'NOTE in rsfm/datasets/dota_split.py)'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--mmrotate', help='a checkout of open-mmlab/mmrotate')
    parser.add_argument('--size', type=int, default=4000)
    parser.add_argument('--objects', type=int, default=3000)
    parser.add_argument('--window', type=int, default=1024)
    parser.add_argument('--gap', type=int, default=200)
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--noise', action='store_true',
                        help='a pure-noise synthetic scene')
    parser.add_argument('--scene', help='a DOTA image instead')
    parser.add_argument('--label', help='its label file')
    parser.add_argument('--out', help='also write the table to this new '
                        'file')
    args = parser.parse_args(argv)
    if args.out and osp.exists(args.out):
        parser.error(f'--out {args.out} exists; write a new file')
    if bool(args.scene) != bool(args.label):
        parser.error('--scene and --label go together')
    module = load_img_split(args.mmrotate) if args.mmrotate else None
    with tempfile.TemporaryDirectory() as tmp:
        if args.scene:
            image, label = args.scene, args.label
        else:
            image, label = synthetic_scene(tmp, args.size, args.objects,
                                           noise=args.noise)
        times = {'rsfm': [], 'mmrotate': []}
        for r in range(args.rounds):
            runs = [('rsfm', lambda o: run_rsfm(
                image, label, o, args.window, args.gap))]
            if module:
                runs.append(('mmrotate', lambda o: run_mmrotate(
                    module, image, label, o, args.window, args.gap)))
            for name, run in (runs if r % 2 == 0 else runs[::-1]):
                times[name].append(run(osp.join(tmp, f'{name}_{r}')))
        result = compare(osp.join(tmp, 'rsfm_0'), osp.join(
            tmp, 'mmrotate_0')) if module else 'not compared'
        patches = len(os.listdir(osp.join(tmp, 'rsfm_0', 'images')))
        objects = len(load_dota_labels(label).objects)
    rsfm = statistics.median(times['rsfm'])
    lines = [
        '`python tools/analysis_tools/benchmark_dota_split.py ' +
        ' '.join('PATH' if a == args.mmrotate else a
                 for a in (sys.argv[1:] if argv is None else argv)) + '`', '',
        f'scene {"given" if args.scene else "synthetic"}'
        f'{" (noise)" if args.noise else ""}, {objects} '
        f'objects, window {args.window}, gap {args.gap}, {patches} patches, '
        f'median of {args.rounds} rounds, one process (rsfm writes patches '
        f'from {PATCH_THREADS} threads, img_split.py from one)', '',
        '| splitter | s / scene |', '|---|---|', f'| rsfm | {rsfm:.2f} |'
    ]
    if module:
        theirs = statistics.median(times['mmrotate'])
        lines += [f'| mmrotate img_split.py | {theirs:.2f} |', '',
                  f'rsfm / mmrotate: {rsfm / theirs:.2f}; outputs: {result}']
    else:
        lines += ['', 'no reference: pass --mmrotate PATH to compare']
    text = '\n'.join(lines) + '\n'
    emit_report(text, args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
