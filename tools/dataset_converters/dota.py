"""Split raw DOTA scenes into the patch layout the DOTA configs train on.

Single scale (what the configs expect), DOTA train + val into one trainval:

    python tools/dataset_converters/dota.py \\
        --src data/DOTA/train data/DOTA/val --out data/split_ss_dota/trainval
    python tools/dataset_converters/dota.py \\
        --src data/DOTA/test --out data/split_ss_dota/test    # no labels

Multi-scale: ``--rates 0.5 1.0 1.5 --gaps 500``. Each ``--src`` folder holds
``images/`` and, unless it is a test split, ``labelTxt/`` (raw DOTA label
files with ``imagesource:``/``gsd:`` headers, or header-less ones). Labels are
read by ``rsfm.datasets.load_dota_labels``; see ``rsfm/datasets/dota_split.py``
for the naming and the truncation rule.
"""
import argparse
import os.path as osp
import sys

from mmengine.logging import print_log

from rsfm.datasets.dota_labels import DOTA_V1_CLASSES
from rsfm.datasets.dota_split import (check_split_args, find_scenes,
                                      split_dota)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Split DOTA scenes into patches')
    parser.add_argument(
        '--src', nargs='+', required=True,
        help='raw DOTA folders, each with images/ and labelTxt/')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--ann-dirname', default='labelTxt',
                        help='label folder name inside each --src')
    parser.add_argument('--sizes', type=int, nargs='+', default=[1024])
    parser.add_argument('--gaps', type=int, nargs='+', default=[200])
    parser.add_argument('--rates', type=float, nargs='+', default=[1.0])
    parser.add_argument('--iof-thr', type=float, default=0.7,
                        help='minimum share of an object inside a patch')
    parser.add_argument('--img-rate-thr', type=float, default=0.6,
                        help='minimum share of a window inside the scene')
    parser.add_argument('--padding-value', type=int, nargs=3,
                        default=[104, 116, 124], help='BGR padding colour')
    parser.add_argument('--save-ext', default='.png')
    parser.add_argument('--nproc', type=int, default=1)
    parser.add_argument('--classes', nargs='+', default=list(DOTA_V1_CLASSES),
                        help='categories the labels may use (default: the '
                        '15 of DOTA v1.0)')
    args = parser.parse_args(argv)
    try:
        check_split_args(args.sizes, args.gaps, args.rates,
                         args.img_rate_thr, args.iof_thr, args.padding_value,
                         args.nproc)
    except ValueError as e:
        parser.error(str(e))
    return args


def main(argv=None):
    args = parse_args(argv)
    scenes = []
    for src in args.src:
        img_dir = osp.join(src, 'images')
        ann_dir = osp.join(src, args.ann_dirname)
        if not osp.isdir(img_dir):
            raise FileNotFoundError(f'{src} has no images/ folder')
        if not osp.isdir(ann_dir):
            print_log(f'{src} has no {args.ann_dirname}/: splitting its '
                      f'images without labels (test split)', logger='current')
            ann_dir = None
        scenes += find_scenes(img_dir, ann_dir)
    labelled = {ann is not None for _, ann in scenes}
    if len(labelled) > 1:
        raise ValueError('some --src folders have labels and others not; '
                         'split labelled and test folders separately')
    split_dota(
        scenes, args.out, sizes=args.sizes, gaps=args.gaps, rates=args.rates,
        img_rate_thr=args.img_rate_thr, iof_thr=args.iof_thr,
        padding_value=args.padding_value, save_ext=args.save_ext,
        nproc=args.nproc, classes=args.classes)
    return 0


if __name__ == '__main__':
    sys.exit(main())
