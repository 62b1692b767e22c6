"""Convert GeRSP's mmselfsup training file to an rsfm GeRSP checkpoint.

    python tools/model_converters/gersp_official2rsfm.py SRC DST

SRC is what GeRSP's training writes (mmcv ``epoch_N.pth``: ``{'meta',
'state_dict', 'optimizer'}`` with ``encoder_q``, ``proj_q``, ``pred_q``,
``encoder_k``, ``proj_k``, the queue, and the aliases ``backbone.`` /
``neck.`` of the query encoder and projector, which are dropped). DST gets
``{'state_dict': ..., 'meta': ...}`` with the keys of ``rsfm.GeRSP``
(``backbone.``, ``neck.``, ``classifier.``, ``key_backbone.``,
``key_neck.``, ``queue``, ``queue_ptr``), for ``load_from`` or
``model.init_cfg``. The pretraining config also reads SRC directly through
``model.init_cfg=dict(type='Pretrained', checkpoint=SRC)``.
"""
import sys

from rsfm.checkpoint.convert_cli import convert_main
from rsfm.models.pretrain.gersp import convert_gersp

if __name__ == '__main__':
    sys.exit(convert_main(__doc__.splitlines()[0], {'gersp': convert_gersp}))
