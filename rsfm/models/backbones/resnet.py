"""ResNet with the torchvision / timm parameter layout.

Paper: Deep Residual Learning for Image Recognition,
https://arxiv.org/abs/1512.03385.

Parameter names are torchvision's (``conv1``, ``bn1``, ``layer{1-4}.{j}.
conv{1-3}/bn{1-3}/downsample.{0,1}``), which timm, mmdet, mmpretrain, CMID and
GeRSP share, so their ResNet weights load without renaming.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp

from rsfm.checkpoint import locate_encoder
from rsfm.registry import MODELS
from ..layers import DropPath, drop_path_rates
from .base_backbone import BaseBackbone


def convert_resnet(state_dict: Dict[str, torch.Tensor]
                   ) -> Tuple[Dict[str, torch.Tensor], str]:
    """Cut a ResNet state dict to the backbone under its prefix.

    torchvision, timm, mmdet/mmpretrain (``backbone.``), CMID and GeRSP
    (``encoder_q.``, ``backbone.``, ``module.`` prefixes) share one layout.
    A prefix is what stands before a ``conv1.weight`` key that has a
    ``layer1.0.conv1.weight`` sibling; see
    :func:`rsfm.checkpoint.locate_encoder` for which one is taken.

    Returns:
        ``(state_dict, format description)``.
    """
    state_dict, _, where = locate_encoder(
        state_dict, ('conv1.weight', ), 'ResNets',
        accept=lambda prefix, _: prefix + 'layer1.0.conv1.weight' in
        state_dict)
    fmt = 'torchvision-layout ResNet' + where
    return state_dict, fmt


class _ResidualBlock(nn.Module):
    """``relu(shortcut + drop_path(residual(x)))``; subclasses define the
    residual branch."""

    def __init__(self, downsample, drop_path):
        super().__init__()
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.drop_path = DropPath(drop_path) if drop_path > 0 \
            else nn.Identity()

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(identity + self.drop_path(self.residual(x)))


class BasicBlock(_ResidualBlock):
    """3x3 -> 3x3 residual block (ResNet-18/34)."""
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None,
                 drop_path=0.):
        super().__init__(downsample, drop_path)
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)

    def residual(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        return self.bn2(self.conv2(out))


class Bottleneck(_ResidualBlock):
    """1x1 -> 3x3 (stride) -> 1x1 residual block (ResNet-50/101/152),
    stride on the 3x3 convolution as torchvision (ResNet v1.5)."""
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None,
                 drop_path=0.):
        super().__init__(downsample, drop_path)
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)

    def residual(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.bn3(self.conv3(out))


@MODELS.register_module()
class ResNet(BaseBackbone):
    """ResNet backbone (torchvision layout) for dense prediction.

    Shapes for a ``(B, in_channels, 224, 224)`` input and ``depth=50``:
    ``(B, 256, 56, 56)``, ``(B, 512, 28, 28)``, ``(B, 1024, 14, 14)``,
    ``(B, 2048, 7, 7)`` (strides 4, 8, 16, 32).

    Args:
        depth: 18, 34, 50, 101 or 152; ignored when ``arch`` is given.
        arch: ``'tiny'`` (the tests' arch: basic blocks 1-1-1-1, width 16) or
            a dict ``dict(block='basic'|'bottleneck', blocks=[...],
            width=64)``; default ``None`` uses ``depth``.
        in_channels: Number of input bands.
        out_indices: Stages (``layer1``..``layer4`` = 0..3) to return; later
            stages are not built.
        frozen_stages: -1 freezes nothing, 0 the stem, ``k`` the stem and
            the first ``k`` stages (weights and BN statistics).
        norm_eval: Keep all BN layers in eval mode while training (the usual
            detection setting with small batches).
        drop_path_rate: Stochastic depth rate, increasing over blocks.
        with_cp: Gradient checkpointing per block.
        zero_init_residual: Start the last BN of every block at zero, so
            each block starts as the identity (timm's and mmselfsup's
            default, hence CMID's and GeRSP's pretraining).
        bands: Names of the input bands, to adapt a pretrained ``conv1``
            (see :func:`rsfm.models.utils.adapt_input_bands`).
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` loads
            torchvision, timm, mmdet/mmpretrain, CMID and GeRSP ResNets.
    """

    convert_checkpoint = staticmethod(convert_resnet)
    first_layer = 'conv1.weight'
    arch_settings = {
        18: dict(block='basic', blocks=[2, 2, 2, 2]),
        34: dict(block='basic', blocks=[3, 4, 6, 3]),
        50: dict(block='bottleneck', blocks=[3, 4, 6, 3]),
        101: dict(block='bottleneck', blocks=[3, 4, 23, 3]),
        152: dict(block='bottleneck', blocks=[3, 8, 36, 3]),
        'tiny': dict(block='basic', blocks=[1, 1, 1, 1], width=16),
    }

    def __init__(self,
                 depth: int = 50,
                 arch: Optional[Union[str, dict]] = None,
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 drop_path_rate: float = 0.,
                 with_cp: bool = False,
                 zero_init_residual: bool = False,
                 bands: Optional[Sequence[str]] = None,
                 init_cfg: Optional[Union[dict, list]] = None):
        super().__init__(in_channels, bands, init_cfg)
        self.zero_init_residual = zero_init_residual
        key = depth if arch is None else arch
        if isinstance(key, dict):
            setting = key
        elif key in self.arch_settings:
            setting = self.arch_settings[key]
        else:
            raise ValueError(
                f'ResNet depth/arch {key!r} is not one of '
                f'{list(self.arch_settings)}; or pass arch=dict(block=..., '
                f'blocks=[...])')
        block = {'basic': BasicBlock, 'bottleneck': Bottleneck}.get(
            setting.get('block'))
        if block is None or len(setting.get('blocks', ())) != 4:
            raise ValueError(f'ResNet arch {setting} needs block "basic" or '
                             f'"bottleneck" and four stage depths')
        self.blocks = list(setting['blocks'])
        width = setting.get('width', 64)
        num_stages = self.init_stages(4, out_indices, frozen_stages)
        self.norm_eval = norm_eval
        self.with_cp = with_cp

        self.conv1 = nn.Conv2d(in_channels, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        rates = drop_path_rates(drop_path_rate, sum(self.blocks))
        inplanes, index = width, 0
        self.out_channels = []
        for i, num in enumerate(self.blocks[:num_stages]):
            planes, stride = width * 2**i, 1 if i == 0 else 2
            layers = []
            for j in range(num):
                downsample = None
                if j == 0 and (stride != 1
                               or inplanes != planes * block.expansion):
                    downsample = nn.Sequential(
                        nn.Conv2d(inplanes, planes * block.expansion, 1,
                                  stride, bias=False),
                        nn.BatchNorm2d(planes * block.expansion))
                layers.append(block(inplanes, planes,
                                    stride if j == 0 else 1, downsample,
                                    rates[index]))
                inplanes, index = planes * block.expansion, index + 1
            self.add_module(f'layer{i + 1}', nn.Sequential(*layers))
            self.out_channels.append(inplanes)
        self._freeze_stages()

    def init_default_weights(self):
        """torchvision's init: Kaiming normal (fan-out), BN weight 1, bias
        0; with ``zero_init_residual`` the last BN of each block 0."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out',
                                        nonlinearity='relu')
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if self.zero_init_residual:
            for m in self.modules():
                if isinstance(m, _ResidualBlock):
                    last = m.bn3 if isinstance(m, Bottleneck) else m.bn2
                    nn.init.constant_(last.weight, 0)

    def embed(self, x: torch.Tensor,
              mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """conv1 (stride 2), BN, ReLU, max pool: ``(B, width, H/4, W/4)``."""
        return self.maxpool(self.relu(self.bn1(self.conv1(x))))

    def forward_stage(self, i: int, x: torch.Tensor,
                      mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``layer{i+1}``: ``(B, out_channels[i], H / 2**(i+2), ...)``."""
        for block in getattr(self, f'layer{i + 1}'):
            x = cp.checkpoint(block, x, use_reentrant=False) \
                if self.with_cp and x.requires_grad else block(x)
        return x

    def stem_parts(self):
        return [self.conv1, self.bn1]

    def stage_parts(self, i: int):
        return [getattr(self, f'layer{i + 1}')]

    def train(self, mode: bool = True):
        super().train(mode)
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        return self

    def get_layer_depth(self,
                        param_name: str,
                        prefix: str = '',
                        decay_type: str = 'layer_wise') -> Tuple[int, int]:
        """Layer id of a parameter for layer-wise learning-rate decay.

        ``'layer_wise'``: the stem is layer 0 and every residual block is one
        layer, in forward order; ``'stage_wise'``: the stem is 0 and stage
        ``k`` is ``k + 1``. Parameters outside the backbone get the top layer.

        Returns:
            ``(layer_id, num_layers)``.
        """
        self.check_decay_type(decay_type)
        num_layers = (sum(self.blocks) if decay_type == 'layer_wise' else 4) \
            + 2
        if not param_name.startswith(prefix):
            return num_layers - 1, num_layers
        name = param_name[len(prefix):]
        if name.startswith('layer'):
            stage = int(name[len('layer')]) - 1
            if decay_type == 'stage_wise':
                return stage + 1, num_layers
            block = int(name.split('.')[1])
            return sum(self.blocks[:stage]) + block + 1, num_layers
        if name.startswith(('conv1.', 'bn1.')):
            return 0, num_layers
        return num_layers - 1, num_layers
