from .loading import CheckSegLabels, LoadMultiBandImage, LoadRGBImage

__all__ = ['CheckSegLabels', 'LoadMultiBandImage', 'LoadRGBImage']
