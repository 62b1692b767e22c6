from .base_backbone import BaseBackbone
from .base_vit import BaseViT
from .convnext import ConvNeXt
from .resnet import ResNet
from .spectral_vit import SpectralViT
from .swin import SwinTransformer
from .vit import VisionTransformer

__all__ = [
    'BaseBackbone', 'BaseViT', 'ConvNeXt', 'ResNet', 'SpectralViT',
    'SwinTransformer', 'VisionTransformer'
]
