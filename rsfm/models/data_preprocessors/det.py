"""mmdet's detection preprocessor for any band count (mmdet, mmrotate)."""
from mmdet.models.data_preprocessors import DetDataPreprocessor

from rsfm.registry import MODELS
from .multiband import MultiBandMixin


@MODELS.register_module()
class MultiBandDetDataPreprocessor(MultiBandMixin, DetDataPreprocessor):
    """``mmdet.DetDataPreprocessor`` with one ``mean``/``std`` per band (see
    :class:`MultiBandMixin`); everything else is mmdet's (padding, box
    types, batch augments)."""
