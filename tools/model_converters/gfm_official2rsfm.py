"""Convert GFM's training file to an rsfm GFM checkpoint.

    python tools/model_converters/gfm_official2rsfm.py SRC DST

SRC is what GFM's ``main_teacher.py`` writes (``ckpt_epoch_N.pth``; the
released gfm.pth is believed to be one): ``{'model': ...}`` with the student
``encoder``, the ``decoder``, the ``projector`` and the ``teacher``, next to
a pickled yacs ``config`` that is read as data, never run. DST gets
``{'state_dict': ..., 'meta': ...}`` with the keys of ``rsfm.GFM``
(``backbone.``, ``neck.``, ``projector.``, ``teacher.``), for ``load_from``
or ``model.init_cfg``. The pretraining config also reads SRC directly
through ``model.init_cfg=dict(type='Pretrained', checkpoint=SRC)``. For the
student encoder alone, use ``gfm.py``.
"""
import sys

from rsfm.checkpoint.convert_cli import convert_main
from rsfm.models.pretrain.gfm import convert_gfm

if __name__ == '__main__':
    sys.exit(convert_main(__doc__.splitlines()[0], {'gfm': convert_gfm}))
