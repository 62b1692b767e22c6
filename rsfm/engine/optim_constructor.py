"""Layer-wise learning-rate decay that asks the backbone for layer depths."""
from collections import OrderedDict
from typing import List

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS, OPTIMIZERS

from rsfm.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Learning rate ``lr * rate ** (num_layers - layer_id - 1)`` per parameter.

    The layer of a parameter comes from ``model.backbone.get_layer_depth(
    name, 'backbone.', decay_type=...)``, so any backbone that implements it
    works in any host (mmdet, mmrotate, mmseg, mmpretrain models all have a
    ``backbone``); parameters outside the backbone get the top layer (scale
    1). Class names are never matched.

    ``paramwise_cfg`` keys:

    - ``layer_decay_rate`` (required): the decay rate, e.g. 0.9;
    - ``decay_type``: ``'layer_wise'`` (default) or ``'stage_wise'``, passed to
      the backbone (ConvNeXt implements both, as the official ConvNeXt
      detection code and SMLFR do);
    - ``flat_decay_mult``: weight-decay multiplier of 1-D parameters (norms,
      layer scales) and biases; default 0, as ConvNeXt, BEiT and SMLFR train.

    Example::

        optim_wrapper = dict(
            type='OptimWrapper',
            constructor='rsfm.LayerDecayOptimWrapperConstructor',
            optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
            paramwise_cfg=dict(layer_decay_rate=0.9, decay_type='stage_wise'))
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict = None):
        paramwise_cfg = dict(paramwise_cfg or {})
        if 'layer_decay_rate' not in paramwise_cfg:
            raise ValueError(
                'LayerDecayOptimWrapperConstructor needs '
                'paramwise_cfg=dict(layer_decay_rate=...)')
        self.layer_decay_rate = float(paramwise_cfg.pop('layer_decay_rate'))
        self.decay_type = paramwise_cfg.pop('decay_type', 'layer_wise')
        self.flat_decay_mult = float(paramwise_cfg.pop('flat_decay_mult', 0.))
        if paramwise_cfg:
            raise ValueError(
                f'unknown paramwise_cfg keys {sorted(paramwise_cfg)} for '
                f'LayerDecayOptimWrapperConstructor; expected '
                f'layer_decay_rate, decay_type, flat_decay_mult')
        if not 0 < self.layer_decay_rate <= 1:
            raise ValueError(f'layer_decay_rate must be in (0, 1], got '
                             f'{self.layer_decay_rate}')
        super().__init__(optim_wrapper_cfg, None)

    def param_groups(self, model: nn.Module) -> List[dict]:
        """One parameter group per (layer, decayed or flat)."""
        if is_model_wrapper(model):
            model = model.module
        backbone = getattr(model, 'backbone', None)
        if not hasattr(backbone, 'get_layer_depth'):
            raise TypeError(
                f'{type(model).__name__}.backbone '
                f'({type(backbone).__name__}) has no get_layer_depth(); '
                f'layer-wise decay needs an rsfm backbone')
        base_wd = self.optimizer_cfg.get('weight_decay', 0.)
        groups = OrderedDict()
        for name, param in model.named_parameters():
            if not param.requires_grad:
                continue
            layer_id, num_layers = backbone.get_layer_depth(
                name, 'backbone.', decay_type=self.decay_type)
            flat = param.ndim == 1 or name.endswith('.bias')
            key = (layer_id, flat)
            if key not in groups:
                scale = self.layer_decay_rate**(num_layers - layer_id - 1)
                groups[key] = dict(
                    params=[], param_names=[], lr=self.base_lr * scale,
                    weight_decay=base_wd *
                    (self.flat_decay_mult if flat else 1.),
                    lr_scale=scale)
            groups[key]['params'].append(param)
            groups[key]['param_names'].append(name)
        lines = [f'layer {lid:>2} {"flat" if flat else "    "} lr scale '
                 f'{g["lr_scale"]:.4f} wd {g["weight_decay"]:.4g} '
                 f'({len(g["params"])} tensors)'
                 for (lid, flat), g in sorted(groups.items())]
        print_log(f'layer-wise lr decay {self.layer_decay_rate} '
                  f'({self.decay_type}):\n  ' + '\n  '.join(lines),
                  logger='current')
        return list(groups.values())

    def __call__(self, model: nn.Module) -> OptimWrapper:
        optim_wrapper_cfg = self.optim_wrapper_cfg.copy()
        optim_wrapper_cfg.setdefault('type', 'OptimWrapper')
        optimizer_cfg = self.optimizer_cfg.copy()
        optimizer_cfg['params'] = self.param_groups(model)
        optimizer = OPTIMIZERS.build(optimizer_cfg)
        return OPTIM_WRAPPERS.build(
            optim_wrapper_cfg, default_args=dict(optimizer=optimizer))
