"""Convert an SLFFM-pretrained ConvNeXt checkpoint, as the SMLFR repository
releases it (``module`` wrapper, with or without ``sparse_encoder.sp_cnn.``),
to rsfm.ConvNeXt keys.

    python tools/model_converters/slffm.py SRC DST

Official, mmpretrain and timm ConvNeXt files convert too. Backbones also load
SRC directly through ``init_cfg=dict(type='Pretrained', checkpoint=SRC)``.
"""
import sys

from rsfm.checkpoint.convert_cli import convert_main
from rsfm.models.backbones.convnext import convert_convnext

if __name__ == '__main__':
    sys.exit(convert_main(__doc__.splitlines()[0],
                          {'convnext': convert_convnext}))
