from .intensity import MinMaxNormalize
from .loading import CheckSegLabels, LoadMultiBandImage, LoadRGBImage
from .views import (ColorJitter, GaussNoise, ParallelViews,
                    RandomResizedCropWithGrid)

__all__ = [
    'CheckSegLabels', 'ColorJitter', 'GaussNoise', 'LoadMultiBandImage',
    'LoadRGBImage', 'MinMaxNormalize', 'ParallelViews',
    'RandomResizedCropWithGrid'
]
