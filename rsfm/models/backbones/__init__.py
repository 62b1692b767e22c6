from .convnext import ConvNeXt
from .resnet import ResNet
from .spectral_vit import SpectralViT
from .swin import SwinTransformer
from .vit import VisionTransformer

__all__ = [
    'ConvNeXt', 'ResNet', 'SpectralViT', 'SwinTransformer', 'VisionTransformer'
]
