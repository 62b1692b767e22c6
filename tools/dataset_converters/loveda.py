"""Convert LoveDA, as downloaded, to the layout of the LoveDA configs.

    python tools/dataset_converters/loveda.py \\
        --src data/downloads/Train.zip data/downloads/Val.zip \\
              data/downloads/Test.zip --out data/loveda

``--src``: the release's ``Train.zip``/``Val.zip``/``Test.zip`` (or the
folders they unpack to, ``{Train,Val,Test}/{Urban,Rural}/{images_png,
masks_png}``). Writes mmseg's layout ``img_dir/{train,val,test}`` and
``ann_dir/{train,val}``, Urban and Rural together, files unchanged (masks are
checked: one band, 0 no-data to 7). The output folder must be new or empty.
"""
import argparse

from rsfm.datasets.loveda_convert import convert_loveda


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--src', nargs='+', required=True,
                        help='LoveDA zips or unpacked folders')
    parser.add_argument('--out', required=True, help='output folder')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    convert_loveda(args.src, args.out)


if __name__ == '__main__':
    main()
