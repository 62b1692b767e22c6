"""Convert CMID's whole-model training file to an rsfm CMID checkpoint.

    python tools/model_converters/cmid_official2rsfm.py SRC DST

SRC is what CMID's trainer writes (``epoch_N.pth``; the released
"Pre-trained model" files): ``{'epoch', 'num_gpus', 'model', 'optimizer',
'metric_storage', 'hooks'}``. Its ``metric_storage`` pickles CMID's own log
classes; they are read as inert stand-ins (never imported, no code run)
and dropped. DST gets ``{'state_dict': ..., 'meta': ...}`` with the keys of
``rsfm.CMID`` (student ``backbone.`` with its mask token, ``neck.``,
``projector.``, ``local_head.``, the ``teacher_*`` copies, ``queue``,
``queue_ptr``, ``center``), for ``load_from`` or ``model.init_cfg``. The
pretraining configs also read SRC directly through
``model.init_cfg=dict(type='Pretrained', checkpoint=SRC)``; downstream
configs read the student from SRC or DST (``backbone.``).
"""
import sys

from rsfm.checkpoint.convert_cli import convert_main
from rsfm.models.pretrain.cmid import convert_cmid

if __name__ == '__main__':
    sys.exit(convert_main(__doc__.splitlines()[0], {'cmid': convert_cmid},
                          stub_unknown=True))
