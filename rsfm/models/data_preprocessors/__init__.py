"""Data preprocessors that take any number of bands.

The host-free part is :class:`MultiBandMixin`; each host's preprocessor is
in a module that configs import in ``custom_imports``:
``rsfm.models.data_preprocessors.det`` (mmdet/mmrotate),
``.seg`` (mmseg) and ``.selfsup`` (mmpretrain).
"""
from .multiband import MultiBandMixin

__all__ = ['MultiBandMixin']
