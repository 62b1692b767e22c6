"""rsfm: remote sensing foundation models for OpenMMLab.

Importing :mod:`rsfm` is deliberately light: it imports no host library and
asserts no versions. Import :mod:`rsfm.models` (what configs name in
``custom_imports``) to register the models.
"""
from .version import __version__

__all__ = ['__version__']
