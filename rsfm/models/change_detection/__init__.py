"""Change detection on mmseg (configs import ``rsfm.models.change_detection``;
it imports mmseg). Names and parameter layouts are open-cd 1.x's, so that its
configs read the same and its checkpoints load."""
from .bit_head import BITHead
from .dual_input_seg_data_preprocessor import DualInputSegDataPreProcessor
from .feature_fusion_neck import FeatureFusionNeck
from .siam_encoder_decoder import SiamEncoderDecoder

__all__ = [
    'BITHead', 'DualInputSegDataPreProcessor', 'FeatureFusionNeck',
    'SiamEncoderDecoder'
]
