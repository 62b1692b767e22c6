"""mmpretrain's self-supervised preprocessor for any band count."""
from mmpretrain.models.utils import SelfSupDataPreprocessor

from rsfm.registry import MODELS
from .multiband import MultiBandMixin


@MODELS.register_module()
class MultiBandSelfSupDataPreprocessor(MultiBandMixin,
                                       SelfSupDataPreprocessor):
    """``mmpretrain.SelfSupDataPreprocessor`` with one ``mean``/``std`` per
    band (see :class:`MultiBandMixin`), for multispectral pretraining."""
