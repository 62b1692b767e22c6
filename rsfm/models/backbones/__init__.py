from .convnext import ConvNeXt
from .resnet import ResNet

__all__ = ['ConvNeXt', 'ResNet']
