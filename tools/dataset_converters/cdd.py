"""Convert CDD (the season-varying change detection dataset of Lebedev et
al.), as downloaded, to the layout of the CDD configs.

    python tools/dataset_converters/cdd.py \\
        --src data/downloads/ChangeDetectionDataset.zip --out data/cdd

``--src``: ``ChangeDetectionDataset.zip`` or the folder it unpacks to; its
``Real/subset/{train,val,test}/{A,B,OUT}`` are read (the synthetic
``Model/`` part is not). Writes ``{train,val,test}/{A,B}`` (the JPEGs, byte
for byte) and ``{train,val,test}/label`` (the JPEG-compressed ``OUT`` masks
thresholded to exact 0/255 PNG). The output folder must be new or empty.
"""
import argparse

from rsfm.datasets.change_detection_convert import convert_cdd


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--src', required=True,
                        help='ChangeDetectionDataset.zip or its folder')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--threshold', type=int, default=128,
                        help='label values >= this are changed')
    args = parser.parse_args(argv)
    if not 1 <= args.threshold <= 255:
        parser.error(f'--threshold must be in [1, 255], got '
                     f'{args.threshold}')
    return args


def main(argv=None):
    args = parse_args(argv)
    convert_cdd(args.src, args.out, args.threshold)


if __name__ == '__main__':
    main()
