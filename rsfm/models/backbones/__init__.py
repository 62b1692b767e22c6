from .convnext import ConvNeXt
from .resnet import ResNet
from .swin import SwinTransformer
from .vit import VisionTransformer

__all__ = ['ConvNeXt', 'ResNet', 'SwinTransformer', 'VisionTransformer']
