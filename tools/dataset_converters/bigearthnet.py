"""Convert BigEarthNet-S2, as released and unpacked, to 12-band GeoTIFFs for
SpectralGPT's second pretraining stage.

    python tools/dataset_converters/bigearthnet.py \\
        --src data/downloads/BigEarthNet-v1.0 --out data/bigearthnet

``--src``: the folder ``BigEarthNet-S2-v1.0.tar.gz`` unpacks to (one folder
per patch, ``<patch>/<patch>_B01.tif`` ... ``_B12.tif``, at 10, 20 and 60 m;
reading inside the 66 GB tar.gz would decompress it once per file, so it is
unpacked first). Each patch becomes ``<patch>.tif``: uint16, the 12 bands
named B01 ... B12 (B8A after B08) on the 10 m grid (the coarser bands
resampled with rasterio), its CRS and transform kept; the pretraining
config reads them by band name. The output folder must be new or empty.
"""
import argparse

from rsfm.datasets.bigearthnet_convert import convert_bigearthnet


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--src', required=True,
                        help='the unpacked BigEarthNet-S2 folder')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--resampling', default='bilinear',
                        choices=['nearest', 'bilinear', 'cubic'],
                        help='resampling of the 20 m and 60 m bands to 10 m')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    convert_bigearthnet(args.src, args.out, args.resampling)


if __name__ == '__main__':
    main()
