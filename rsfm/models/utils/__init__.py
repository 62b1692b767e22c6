from .band_adaptation import adapt_input_bands

__all__ = ['adapt_input_bands']
