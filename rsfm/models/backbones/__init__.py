from .convnext import ConvNeXt
from .resnet import ResNet
from .swin import SwinTransformer

__all__ = ['ConvNeXt', 'ResNet', 'SwinTransformer']
