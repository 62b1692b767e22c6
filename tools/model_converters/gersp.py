"""Convert a GeRSP checkpoint (raw mmcv ``state_dict`` with ``encoder_q.``,
or ``convert_gersp.py``'s ``backbone.`` keys) to rsfm.ResNet keys.

    python tools/model_converters/gersp.py SRC DST
"""
import sys

from rsfm.checkpoint.convert_cli import convert_main
from rsfm.models.backbones.resnet import convert_resnet

if __name__ == '__main__':
    sys.exit(convert_main(__doc__.splitlines()[0],
                          {'resnet': convert_resnet}))
