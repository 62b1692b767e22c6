"""Convert a SpectralGPT / SpectralGPT+ checkpoint (``model`` wrapper) to
rsfm.SpectralViT keys (the encoder; the MAE decoder is kept out).

    python tools/model_converters/spectralgpt.py SRC DST
"""
import sys

from rsfm.checkpoint.convert_cli import convert_main
from rsfm.models.backbones.spectral_vit import convert_spectralgpt

if __name__ == '__main__':
    sys.exit(convert_main(__doc__.splitlines()[0],
                          {'spectral_vit': convert_spectralgpt}))
