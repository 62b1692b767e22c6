"""Convert ISPRS Potsdam, as downloaded, to the layout of the Potsdam configs
(mmseg's), without mmsegmentation's repository.

    python tools/dataset_converters/potsdam.py \\
        --src downloads/2_Ortho_RGB.zip downloads/5_Labels_all_noBoundary.zip \\
        --out data/potsdam
    python tools/dataset_converters/potsdam.py --rgbir \\
        --src downloads/4_Ortho_RGBIR.zip downloads/5_Labels_all_noBoundary.zip \\
        --out data/potsdam_rgbir

``--src``: the archives (or their folders). Writes ``img_dir/{train,val}``
(RGB PNG; with ``--rgbir`` 4-band GeoTIFF, bands R, G, B, NIR) and
``ann_dir/{train,val}`` (indices: 0 boundary, ignored; 1 impervious, 2
building, 3 low vegetation, 4 tree, 5 car, 6 clutter) as 512 clips named
``{tile}_{x0}_{y0}_{x1}_{y1}``; train and val are the official training and
test tiles. Label colours are thresholded at 128 per channel, so the lossy
labels of tiles 4_12 and 6_7 keep their classes. The output folder must be
new or empty.
"""
import argparse

from rsfm.datasets.potsdam_convert import convert_potsdam


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--src', nargs='+', required=True,
                        help='the ISPRS archives or their folders')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--clip', type=int, default=512)
    parser.add_argument('--stride', type=int, default=512,
                        help='512: the clips of mmseg\'s converter (and of '
                        'SMLFR and CMID); 256 overlaps them by half')
    parser.add_argument('--rgbir', action='store_true',
                        help='4-band clips from 4_Ortho_RGBIR')
    parser.add_argument('--boundary', action='store_true',
                        help='labels from 5_Labels_all (boundaries kept) '
                        'instead of 5_Labels_all_noBoundary')
    args = parser.parse_args(argv)
    if args.clip <= 0 or args.stride <= 0:
        parser.error('--clip and --stride must be positive')
    return args


def main(argv=None):
    args = parse_args(argv)
    convert_potsdam(args.src, args.out, args.clip, args.stride, args.rgbir,
                    args.boundary)


if __name__ == '__main__':
    main()
