"""Change-detection data (mmseg host): bitemporal datasets and transforms.
Configs import this subpackage in ``custom_imports``; it imports mmseg."""
from .datasets import BaseCDDataset, CDDDataset, LEVIRCDDataset, OSCDDataset
from .transforms import (MultiImgExchangeTime, MultiImgLoadAnnotations,
                         MultiImgLoadImageFromFile, MultiImgLoadMultiBandImage,
                         MultiImgMinMaxNormalize,
                         MultiImgPackSegInputs, MultiImgPhotoMetricDistortion,
                         MultiImgRandomCrop, MultiImgRandomFlip,
                         MultiImgRandomRot90, MultiImgRandomRotate)

__all__ = [
    'BaseCDDataset', 'CDDDataset', 'LEVIRCDDataset', 'MultiImgExchangeTime',
    'MultiImgLoadAnnotations', 'MultiImgLoadImageFromFile',
    'MultiImgLoadMultiBandImage', 'MultiImgMinMaxNormalize',
    'MultiImgPackSegInputs',
    'MultiImgPhotoMetricDistortion', 'MultiImgRandomCrop',
    'MultiImgRandomFlip', 'MultiImgRandomRot90', 'MultiImgRandomRotate',
    'OSCDDataset'
]
