"""Pretraining algorithms (mmpretrain host): one file per algorithm, with its
masked or sparse backbone subclass. Importing this package imports
mmpretrain."""
from .slffm import (SLFFM, LowFreqTarget, SLFFMDecoder, SLFFMHead,
                    SparseConvNeXt, convert_slffm)
from .spectralgpt import (MaskedSpectralViT, SpectralGPT, SpectralGPTDecoder,
                          SpectralGPTHead, convert_spectralgpt_mae)

__all__ = [
    'SLFFM', 'LowFreqTarget', 'SLFFMDecoder', 'SLFFMHead', 'SparseConvNeXt',
    'convert_slffm', 'MaskedSpectralViT', 'SpectralGPT',
    'SpectralGPTDecoder', 'SpectralGPTHead', 'convert_spectralgpt_mae'
]
