"""A siamese encoder-decoder change detector on mmseg's segmentor."""
from typing import List, Optional

import torch
from mmseg.models.segmentors import EncoderDecoder

from rsfm.registry import MODELS


@MODELS.register_module()
class SiamEncoderDecoder(EncoderDecoder):
    """One backbone shared by both dates, a fusion neck, a decode head.

    The input holds the two dates stacked on channels, ``(B, 2 C, H, W)``
    (``rsfm.MultiImgPackSegInputs``); the backbone runs on each date, the
    neck fuses the two feature pyramids and the head predicts the change
    map. Losses, ``whole``/``slide`` inference and ``predict`` (returning
    ``seg_logits`` and ``pred_sem_seg``) are mmseg's ``EncoderDecoder``'s,
    so its ``test_cfg`` and auxiliary heads work unchanged. Names and
    arguments as open-cd 1.x (``SiamEncoderDecoder``, ``backbone_inchannels``);
    parameters are ``backbone.*``, ``neck.*``, ``decode_head.*`` as there.

    Args:
        backbone_inchannels: Bands of one date. ``None``: half of the
            input's channels. open-cd's configs give 3.
        **kwargs: mmseg ``EncoderDecoder`` arguments; ``neck`` is required.
    """

    def __init__(self, *args, backbone_inchannels: Optional[int] = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        if not self.with_neck:
            raise ValueError('SiamEncoderDecoder needs a neck that fuses the '
                             'two dates (e.g. rsfm.FeatureFusionNeck)')
        self.backbone_inchannels = backbone_inchannels

    def split_dates(self, inputs: torch.Tensor):
        """``(B, 2 C, H, W)`` -> the two dates ``(B, C, H, W)``."""
        channels = inputs.shape[1]
        per_date = self.backbone_inchannels or channels // 2
        if channels != 2 * per_date:
            raise ValueError(
                f'SiamEncoderDecoder expects two dates of '
                f'{per_date if self.backbone_inchannels else "equal"} '
                f'bands stacked on channels, got {channels} channels')
        return inputs[:, :per_date], inputs[:, per_date:]

    def extract_feat(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        """Both dates through the backbone, fused by the neck."""
        date1, date2 = self.split_dates(inputs)
        return self.neck(self.backbone(date1), self.backbone(date2))
