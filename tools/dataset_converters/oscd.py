"""Convert OSCD (Onera Satellite Change Detection), as downloaded, to the
layout of the OSCD configs.

    python tools/dataset_converters/oscd.py --src \\
        "data/downloads/Onera Satellite Change Detection dataset - Images.zip" \\
        "data/downloads/Onera Satellite Change Detection dataset - Train Labels.zip" \\
        "data/downloads/Onera Satellite Change Detection dataset - Test Labels.zip" \\
        --out data/oscd

``--src``: the three archives, or the folders they unpack to. Cities come
from ``train.txt``/``test.txt``. Each date's 13 raw band files
(``imgs_1/*_B01.tif`` ...) are resampled onto B04's 10 m grid with rasterio
and written as one georeferenced 13-band uint16 GeoTIFF with band names
(``{train,test}/{A,B}/CITY.tif``); change maps go to
``{train,test}/label/CITY.png`` (0/255). The summary gives the changed share
of the training labels and SpectralGPT's class weights from it. The output
folder must be new or empty.
"""
import argparse

from rsfm.datasets.change_detection_convert import convert_oscd


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--src', nargs='+', required=True,
                        help='the OSCD images and label archives or folders')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--resampling', default='bilinear',
                        choices=['nearest', 'bilinear', 'cubic'],
                        help='resampling of the 20 m and 60 m bands to 10 m')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    convert_oscd(args.src, args.out, args.resampling)


if __name__ == '__main__':
    main()
