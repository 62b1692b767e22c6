"""Convert LEVIR-CD, as downloaded, to the layout of the LEVIR-CD configs.

    python tools/dataset_converters/levir_cd.py \\
        --src data/downloads/train.zip data/downloads/val.zip \\
              data/downloads/test.zip --out data/levir_cd

``--src``: the release's ``train.zip``/``val.zip``/``test.zip`` (``A/``,
``B/``, ``label/`` with ``train_1.png``...), or the folders they unpack to
(e.g. ``LEVIR-CD/{train,val,test}/{A,B,label}``). Writes
``crop_256/{train,val,test}/{A,B,label}`` (non-overlapping 256 crops,
``train_1_0_3.png`` = row 0, column 3) and ``whole/{val,test}/{A,B,label}``
(the 1024 images for whole-image evaluation). The output folder must be new
or empty.
"""
import argparse

from rsfm.datasets.change_detection_convert import convert_levir_cd


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--src', nargs='+', required=True,
                        help='LEVIR-CD zips or unpacked folders')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--crop-size', type=int, default=256,
                        help='side of the non-overlapping crops')
    parser.add_argument('--whole-splits', nargs='*', default=['val', 'test'],
                        help='splits also written as whole images')
    args = parser.parse_args(argv)
    if args.crop_size <= 0:
        parser.error(f'--crop-size must be positive, got {args.crop_size}')
    return args


def main(argv=None):
    args = parse_args(argv)
    convert_levir_cd(args.src, args.out, args.crop_size, args.whole_splits)


if __name__ == '__main__':
    main()
