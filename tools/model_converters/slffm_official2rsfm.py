"""Convert SMLFR's whole SLFFM pretraining file to an rsfm SLFFM checkpoint.

    python tools/model_converters/slffm_official2rsfm.py SRC DST

SRC is what SMLFR's ``Pretrain/main.py`` writes
(``<model>_withdecoder_1kpretrained_pcfm_style.pth``: ``{'module': ...}``
with the sparse encoder, the light decoder, the densify layers and the mask
tokens); DST gets ``{'state_dict': ..., 'meta': ...}`` with the keys of
``rsfm.SLFFM`` (``backbone.``, ``neck.``, ``densify_*``, ``mask_tokens``),
for ``load_from`` or ``model.init_cfg``. The pretraining config also reads
SRC directly through ``model.init_cfg=dict(type='Pretrained',
checkpoint=SRC)``. For the encoder alone, use ``slffm.py``.
"""
import sys

from rsfm.checkpoint.convert_cli import convert_main
from rsfm.models.pretrain.slffm import convert_slffm

if __name__ == '__main__':
    sys.exit(convert_main(__doc__.splitlines()[0], {'slffm': convert_slffm}))
