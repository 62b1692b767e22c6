from .intensity import MinMaxNormalize
from .loading import CheckSegLabels, LoadMultiBandImage, LoadRGBImage

__all__ = [
    'CheckSegLabels', 'LoadMultiBandImage', 'LoadRGBImage', 'MinMaxNormalize'
]
