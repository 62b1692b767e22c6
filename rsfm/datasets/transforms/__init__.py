from .loading import LoadMultiBandImage

__all__ = ['LoadMultiBandImage']
