"""ConvNeXt with the official parameter layout.

Paper: A ConvNet for the 2020s, https://arxiv.org/abs/2201.03545.

Parameter names follow facebookresearch/ConvNeXt (``models/convnext.py`` and
its dense-prediction variant in ``object_detection/``), which SMLFR's sparse
encoder keeps as well: ``downsample_layers.{i}.{0,1}``,
``stages.{i}.{j}.{dwconv,norm,pwconv1,pwconv2,gamma}`` and per-stage output
norms ``norm{i}``. Official checkpoints therefore load without renaming.
"""
import re
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp

from rsfm.checkpoint import locate_encoder
from rsfm.registry import MODELS
from ..layers import DropPath, LayerNorm2d, drop_path_rates
from .base_backbone import BaseBackbone

#: first-layer key of each supported layout, used to find the key prefix
_SENTINELS = ('downsample_layers.0.0.weight', 'stem.0.weight')
_MMPRETRAIN_NAMES = (('.depthwise_conv.', '.dwconv.'),
                     ('.pointwise_conv1.', '.pwconv1.'),
                     ('.pointwise_conv2.', '.pwconv2.'))


def convert_convnext(state_dict: Dict[str, torch.Tensor]
                     ) -> Tuple[Dict[str, torch.Tensor], str]:
    """Convert a ConvNeXt state dict to rsfm's (= the official) layout.

    Recognised by key sentinels, under any prefix (``sparse_encoder.sp_cnn.``
    of SLFFM pretraining checkpoints as SMLFR releases them, ``backbone.``,
    ``encoder.``, ...):

    - official facebookresearch / SLFFM encoder: ``stages.0.0.dwconv``;
    - mmpretrain: ``stages.0.0.depthwise_conv``;
    - timm: ``stem.0``, ``stages.1.downsample.1``, ``stages.0.blocks.0.conv_dw``
      (1x1-conv MLPs are reshaped to linear weights).

    Keys outside the prefix (decoders, heads of a wrapper) are dropped.

    Returns:
        ``(state_dict, format description)``.
    """
    state_dict, _, where = locate_encoder(state_dict, _SENTINELS,
                                          'ConvNeXts')
    if any('.grn.' in k for k in state_dict):
        raise ValueError('this is a ConvNeXt V2 checkpoint (GRN layers); '
                         'rsfm.ConvNeXt implements ConvNeXt V1')
    if 'stem.0.weight' in state_dict:
        out = {}
        for key, value in state_dict.items():
            key = re.sub(r'^stem\.', 'downsample_layers.0.', key)
            key = re.sub(r'^stages\.(\d+)\.downsample\.',
                         r'downsample_layers.\1.', key)
            key = re.sub(r'^stages\.(\d+)\.blocks\.', r'stages.\1.', key)
            key = key.replace('.conv_dw.', '.dwconv.').replace(
                '.mlp.fc1.', '.pwconv1.').replace('.mlp.fc2.', '.pwconv2.')
            if '.pwconv' in key and value.dim() == 4:  # conv_mlp 1x1 convs
                value = value.flatten(1)
            out[key] = value
        return out, 'timm ConvNeXt' + where
    if any('.depthwise_conv.' in k for k in state_dict):
        out = {}
        for key, value in state_dict.items():
            for old, new in _MMPRETRAIN_NAMES:
                key = key.replace(old, new)
            out[key] = value
        return out, 'mmpretrain ConvNeXt' + where
    fmt = 'SLFFM pretraining (SMLFR release, sparse encoder)' \
        if 'sp_cnn.' in where else 'official ConvNeXt / SLFFM encoder'
    return state_dict, fmt + where


class ConvNeXtBlock(nn.Module):
    """dwconv 7x7 -> LayerNorm -> Linear(4C) -> GELU -> Linear(C) -> scale.

    Args:
        dim: Number of channels.
        drop_path: Stochastic depth rate of the residual branch.
        layer_scale_init_value: Initial value of ``gamma``; 0 disables it.
        with_cp: Use gradient checkpointing for this block.
    """

    def __init__(self,
                 dim: int,
                 drop_path: float = 0.,
                 layer_scale_init_value: float = 1e-6,
                 with_cp: bool = False):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(
            layer_scale_init_value * torch.ones(dim)) \
            if layer_scale_init_value > 0 else None
        self.drop_path = DropPath(drop_path) if drop_path > 0. \
            else nn.Identity()
        self.with_cp = with_cp

    def _inner_forward(self, x: torch.Tensor,
                       active: Optional[torch.Tensor] = None
                       ) -> torch.Tensor:
        shortcut = x
        x = self.dwconv(x)
        x = x.permute(0, 2, 3, 1)  # (B, H, W, C)
        x = self.pwconv2(self.act(self.pwconv1(self.norm(x))))
        if self.gamma is not None:
            x = self.gamma * x
        x = x.permute(0, 3, 1, 2)  # (B, C, H, W)
        if active is not None:  # sparse: the branch is zero where masked
            x = x * active
        return shortcut + self.drop_path(x)

    def forward(self, x: torch.Tensor,
                active: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``active``: optional ``(B, 1, H, W)`` 0/1 map of visible
        positions (sparse pretraining) multiplying the residual branch."""
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._inner_forward, x, active,
                                 use_reentrant=False)
        return self._inner_forward(x, active)


@MODELS.register_module()
class ConvNeXt(BaseBackbone):
    """ConvNeXt backbone for dense prediction and pretraining.

    Shapes for a ``(B, in_channels, 224, 224)`` input and ``arch='base'``:
    stage outputs ``(B, 128, 56, 56)``, ``(B, 256, 28, 28)``,
    ``(B, 512, 14, 14)``, ``(B, 1024, 7, 7)`` (strides 4, 8, 16, 32; channels
    ``arch_settings[arch]['dims']``). ``forward`` returns the stages in
    ``out_indices`` as a tuple of NCHW maps, each through its own output
    LayerNorm ``norm{i}`` when ``out_norms=True``.

    Args:
        arch: A key of :attr:`arch_settings` or a dict with ``depths`` and
            ``dims``. ``'atto'`` (3.4M parameters) is the arch the tests use.
        in_channels: Number of input bands; any positive number.
        out_indices: Stages whose feature maps are returned; later stages
            are not built.
        out_norms: Add an output LayerNorm ``norm{i}`` per returned stage, as
            the official detection/segmentation backbone does.
        drop_path_rate: Stochastic depth rate, increasing linearly over blocks.
        layer_scale_init_value: Initial value of the per-block ``gamma``.
        frozen_stages: -1 freezes nothing, 0 the stem, ``k`` the stem and
            the first ``k`` stages (downsample layer, blocks, output norm).
        with_cp: Gradient checkpointing in every block (saves memory).
        bands: Names of the input bands, e.g. ``('R', 'G', 'B', 'NIR')``.
            Needed when a pretrained first layer has other bands: those named
            in both keep their kernels, others start at zero (logged).
        init_cfg: mmengine init config. ``dict(type='Pretrained',
            checkpoint=PATH)`` loads official, SLFFM (SMLFR), mmpretrain and
            timm ConvNeXt checkpoints as released (see :func:`convert_convnext`
            and :func:`rsfm.checkpoint.load_pretrained`); optional keys
            ``prefix``, ``checkpoint_bands`` (default R, G, B for 3-channel
            checkpoints) and ``min_match``.
    """

    convert_checkpoint = staticmethod(convert_convnext)
    first_layer = 'downsample_layers.0.0.weight'
    arch_settings: Dict[str, Dict[str, Sequence[int]]] = {
        'atto': dict(depths=[2, 2, 6, 2], dims=[40, 80, 160, 320]),
        'tiny': dict(depths=[3, 3, 9, 3], dims=[96, 192, 384, 768]),
        'small': dict(depths=[3, 3, 27, 3], dims=[96, 192, 384, 768]),
        'base': dict(depths=[3, 3, 27, 3], dims=[128, 256, 512, 1024]),
        'large': dict(depths=[3, 3, 27, 3], dims=[192, 384, 768, 1536]),
        'xlarge': dict(depths=[3, 3, 27, 3], dims=[256, 512, 1024, 2048]),
    }

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 out_norms: bool = True,
                 drop_path_rate: float = 0.,
                 layer_scale_init_value: float = 1e-6,
                 frozen_stages: int = -1,
                 with_cp: bool = False,
                 bands: Optional[Sequence[str]] = None,
                 init_cfg: Optional[Union[dict, list]] = None):
        super().__init__(in_channels, bands, init_cfg)
        arch = self.parse_arch(arch, ('depths', 'dims'))
        self.depths = list(arch['depths'])
        self.dims = list(arch['dims'])
        if len(self.depths) != len(self.dims):
            raise ValueError(f'ConvNeXt arch has {len(self.depths)} depths '
                             f'but {len(self.dims)} dims')
        num_stages = self.init_stages(len(self.depths), out_indices,
                                      frozen_stages)
        self.out_norms = out_norms

        # Stem (patchify 4x4) and 2x downsampling layers, up to the last
        # stage in out_indices.
        self.downsample_layers = nn.ModuleList()
        self.downsample_layers.append(
            nn.Sequential(
                nn.Conv2d(in_channels, self.dims[0], 4, stride=4),
                LayerNorm2d(self.dims[0], eps=1e-6)))
        for i in range(1, num_stages):
            self.downsample_layers.append(
                nn.Sequential(
                    LayerNorm2d(self.dims[i - 1], eps=1e-6),
                    nn.Conv2d(self.dims[i - 1], self.dims[i], 2, stride=2)))

        rates = drop_path_rates(drop_path_rate, sum(self.depths))
        self.stages = nn.ModuleList()
        for i in range(num_stages):
            start = sum(self.depths[:i])
            self.stages.append(
                nn.Sequential(*[
                    ConvNeXtBlock(self.dims[i], rates[start + j],
                                  layer_scale_init_value, with_cp)
                    for j in range(self.depths[i])
                ]))

        if out_norms:
            for i in self.out_indices:
                self.add_module(f'norm{i}',
                                LayerNorm2d(self.dims[i], eps=1e-6))

        self._freeze_stages()

    def init_default_weights(self):
        """Official init: trunc normal 0.02, zero bias."""
        self.trunc_normal_init((nn.Conv2d, nn.Linear))

    def embed(self, x: torch.Tensor,
              mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The stem: ``(B, dims[0], H / 4, W / 4)``."""
        return self.downsample_layers[0](x)

    def forward_stage(self, i: int, x: torch.Tensor,
                      mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Downsample (after stage 0) and blocks:
        ``(B, dims[i], H / 2**(i+2), W / 2**(i+2))``."""
        if i > 0:
            x = self.downsample_layers[i](x)
        return self.stages[i](x)

    def output(self, i: int, x: torch.Tensor) -> torch.Tensor:
        return getattr(self, f'norm{i}')(x) if self.out_norms else x

    def stem_parts(self):
        return [self.downsample_layers[0]]

    def stage_parts(self, i: int):
        parts = [self.stages[i]]
        if i > 0:
            parts.append(self.downsample_layers[i])
        if self.out_norms and i in self.out_indices:
            parts.append(getattr(self, f'norm{i}'))
        return parts

    def get_layer_depth(self,
                        param_name: str,
                        prefix: str = '',
                        decay_type: str = 'layer_wise') -> Tuple[int, int]:
        """Layer id of a parameter for layer-wise learning-rate decay.

        Follows facebookresearch/ConvNeXt ``object_detection`` (the
        ``LearningRateDecayOptimizerConstructor`` that SMLFR also uses), with
        ``num_layers`` 12 for 27-block third stages and 6 otherwise:

        - ``'layer_wise'``: the stem is layer 0, stages 0/1 are layers 1/2,
          stage 2 is split into groups of three blocks, stage 3 and the last
          downsample layer are layer 12;
        - ``'stage_wise'``: all downsample layers are layer 0 and stage ``k``
          is layer ``k + 1``.

        Parameters outside the backbone (no ``prefix``) and the output norms
        get the top layer, i.e. no decay.

        Args:
            param_name: Parameter name, e.g. ``backbone.stages.2.4.gamma``.
            prefix: Prefix of the backbone's parameters in ``param_name``.
            decay_type: ``'layer_wise'`` or ``'stage_wise'``.

        Returns:
            ``(layer_id, num_layers)``; the decay scale of a parameter is
            ``rate ** (num_layers - layer_id - 1)``.
        """
        self.check_decay_type(decay_type)
        max_layer_id = 12 if self.depths[-2] > 9 else 6
        num_layers = max_layer_id + 2
        if not param_name.startswith(prefix):
            return num_layers - 1, num_layers
        name = param_name[len(prefix):]
        parts = name.split('.')
        if name.startswith('downsample_layers.'):
            stage_id = int(parts[1])
            if decay_type == 'stage_wise':
                return 0, num_layers
            return {0: 0, 1: 2, 2: 3}.get(stage_id, max_layer_id), num_layers
        if name.startswith('stages.'):
            stage_id, block_id = int(parts[1]), int(parts[2])
            if decay_type == 'stage_wise':
                return stage_id + 1, num_layers
            if stage_id < 2:
                return stage_id + 1, num_layers
            if stage_id == 2:
                return min(3 + block_id // 3, max_layer_id - 1), num_layers
            return max_layer_id, num_layers
        return num_layers - 1, num_layers
