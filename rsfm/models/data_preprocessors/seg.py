"""mmseg's segmentation preprocessor for any band count."""
from mmseg.models.data_preprocessor import SegDataPreProcessor

from rsfm.registry import MODELS
from .multiband import MultiBandMixin


@MODELS.register_module()
class MultiBandSegDataPreProcessor(MultiBandMixin, SegDataPreProcessor):
    """``mmseg.SegDataPreProcessor`` with one ``mean``/``std`` per band
    (see :class:`MultiBandMixin`); padding, ``size``/``size_divisor`` and
    test-time behaviour are mmseg's."""
