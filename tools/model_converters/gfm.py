"""Convert a GFM checkpoint (``model`` wrapper, ``encoder.`` prefix,
Microsoft Swin keys) to rsfm.SwinTransformer keys.

    python tools/model_converters/gfm.py SRC DST

Window-6 bias tables are kept as they are; rsfm.SwinTransformer resizes them
to its own window when it loads the file (reported).
"""
import sys

from rsfm.checkpoint.convert_cli import convert_main
from rsfm.models.backbones.swin import convert_swin

if __name__ == '__main__':
    sys.exit(convert_main(__doc__.splitlines()[0], {'swin': convert_swin}))
