from .loading import LoadMultiBandImage, LoadRGBImage

__all__ = ['LoadMultiBandImage', 'LoadRGBImage']
