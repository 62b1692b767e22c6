"""Convert SpectralGPT's whole MAE file to an rsfm SpectralGPT checkpoint.

    python tools/model_converters/spectralgpt_official2rsfm.py SRC DST

SRC is what SpectralGPT's ``main_pretrain.py`` writes (``checkpoint-N.pth``)
or the released SpectralGPT.pth / SpectralGPT+.pth: ``{'model': ...}`` with
the encoder and the MAE decoder (``decoder_*``, ``mask_token``). DST gets
``{'state_dict': ..., 'meta': ...}`` with the keys of ``rsfm.SpectralGPT``
(``backbone.``, ``neck.``), for ``load_from`` or ``model.init_cfg``. The
pretraining config also reads SRC directly through
``model.init_cfg=dict(type='Pretrained', checkpoint=SRC)``. For the encoder
alone, use ``spectralgpt.py``.
"""
import sys

from rsfm.checkpoint.convert_cli import convert_main
from rsfm.models.pretrain.spectralgpt import convert_spectralgpt_mae

if __name__ == '__main__':
    sys.exit(convert_main(__doc__.splitlines()[0],
                          {'spectralgpt': convert_spectralgpt_mae}))
