"""Convert a CMID checkpoint (``extract.py`` output or a full training
checkpoint, whose ``online_encoder.model.`` is taken) to rsfm keys.

    python tools/model_converters/cmid.py SRC DST --arch resnet|swin

ResNet-50 keeps the timm/torchvision layout; Swin-B is converted from the
mmcls layout (PatchMerging channels reordered). A full training checkpoint
pickles CMID's log classes (``metric_storage``): they are read as inert
stand-ins, never imported or run. For the whole model (teacher, heads,
queue) use ``cmid_official2rsfm.py``.
"""
import sys

from rsfm.checkpoint.convert_cli import convert_main
from rsfm.models.backbones.resnet import convert_resnet
from rsfm.models.backbones.swin import convert_swin

if __name__ == '__main__':
    sys.exit(convert_main(__doc__.splitlines()[0],
                          {'resnet': convert_resnet, 'swin': convert_swin},
                          stub_unknown=True))
