"""Host-free data code: label formats, converters' bodies, loading
transforms. Host-specific datasets live in subpackages that configs import
(``rsfm.datasets.rotated`` for mmrotate)."""
from .dota_labels import (DOTALabel, DOTAObject, dump_dota_labels,
                          load_dota_labels)
from .dota_split import split_dota
from .paired import PairedDataset
from .transforms import (CheckSegLabels, ColorJitter, GaussNoise,
                         LoadMultiBandImage, LoadRGBImage, MinMaxNormalize,
                         ParallelViews, RandomResizedCropWithGrid)
from .unlabeled import UnlabeledImageDataset

__all__ = [
    'CheckSegLabels', 'ColorJitter', 'DOTALabel', 'DOTAObject', 'GaussNoise',
    'LoadMultiBandImage', 'LoadRGBImage', 'MinMaxNormalize', 'PairedDataset',
    'ParallelViews', 'RandomResizedCropWithGrid', 'UnlabeledImageDataset',
    'dump_dota_labels', 'load_dota_labels', 'split_dota'
]
