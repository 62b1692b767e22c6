"""Pretraining algorithms (mmpretrain host): one file per algorithm, with its
masked or sparse backbone subclass. Importing this package imports
mmpretrain."""
from .cmid import CMID, LocalHead, MaskedResNet, convert_cmid
from .gersp import GeRSP, convert_gersp
from .gfm import GFM, GFMDecoder, MaskedSwin, convert_gfm
from .slffm import (SLFFM, LowFreqTarget, SLFFMDecoder, SLFFMHead,
                    SparseConvNeXt, convert_slffm)
from .spectralgpt import (MaskedSpectralViT, SpectralGPT, SpectralGPTDecoder,
                          SpectralGPTHead, convert_spectralgpt_mae)

__all__ = [
    'CMID', 'LocalHead', 'MaskedResNet', 'convert_cmid', 'GeRSP',
    'convert_gersp',
    'GFM', 'GFMDecoder', 'MaskedSwin', 'convert_gfm',
    'SLFFM', 'LowFreqTarget', 'SLFFMDecoder', 'SLFFMHead', 'SparseConvNeXt',
    'convert_slffm', 'MaskedSpectralViT', 'SpectralGPT',
    'SpectralGPTDecoder', 'SpectralGPTHead', 'convert_spectralgpt_mae'
]
