"""Layer-wise learning-rate decay that asks the backbone for layer depths."""
from collections import OrderedDict
from typing import List, Optional

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS, OPTIMIZERS

from rsfm.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Learning rate ``lr * rate ** (num_layers - layer_id - 1)`` per
    parameter.

    The layer of a parameter comes from ``model.backbone.get_layer_depth(
    name, 'backbone.', decay_type=...)``, so any backbone that implements it
    works in any host (mmdet, mmrotate, mmseg, mmpretrain models all have a
    ``backbone``); parameters outside the backbone get the top layer (scale
    1). Class names are never matched.

    Weight decay is ``weight_decay`` except for flat parameters (1-D: norms,
    layer scales; and biases), which get ``weight_decay * flat_decay_mult``,
    and the backbone's ``no_weight_decay()`` parameters (position
    embeddings, class tokens, Swin's relative position tables), which get
    none, as timm and the official fine-tuning recipes train.

    ``paramwise_cfg`` keys:

    - ``layer_decay_rate`` (required): the decay rate, e.g. 0.9;
    - ``decay_type``: ``'layer_wise'`` (default) or ``'stage_wise'``, passed to
      the backbone (ConvNeXt implements both, as the official ConvNeXt
      detection code and SMLFR do);
    - ``flat_decay_mult``: weight-decay multiplier of flat parameters;
      default 0, as ConvNeXt, BEiT and SMLFR train;
    - ``custom_keys``: as mmengine's and mmpretrain's,
      ``{substring: dict(lr_mult=1., decay_mult=1.)}``; the longest
      substring found in a parameter's name applies: its learning rate is
      further multiplied by ``lr_mult`` and its weight decay is
      ``weight_decay * decay_mult``, whatever the rules above say.

    Example::

        optim_wrapper = dict(
            type='OptimWrapper',
            constructor='rsfm.LayerDecayOptimWrapperConstructor',
            optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
            paramwise_cfg=dict(layer_decay_rate=0.9, decay_type='stage_wise',
                               custom_keys={'neck': dict(lr_mult=10.)}))
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
        self.custom_keys = dict(paramwise_cfg.pop('custom_keys', None) or {})
        if paramwise_cfg:
            raise ValueError(
                f'unknown paramwise_cfg keys {sorted(paramwise_cfg)} for '
                f'LayerDecayOptimWrapperConstructor; expected '
                f'layer_decay_rate, decay_type, flat_decay_mult, custom_keys')
        if not 0 < self.layer_decay_rate <= 1:
            raise ValueError(f'layer_decay_rate must be in (0, 1], got '
                             f'{self.layer_decay_rate}')
        for key, mults in self.custom_keys.items():
            unknown = set(mults) - {'lr_mult', 'decay_mult'}
            if unknown:
                raise ValueError(f'custom_keys[{key!r}] has unknown entries '
                                 f'{sorted(unknown)}; expected lr_mult, '
                                 f'decay_mult')
        super().__init__(optim_wrapper_cfg, None)

    def _custom(self, name: str) -> Optional[dict]:
        """The ``custom_keys`` entry of the longest key in ``name``."""
        keys = [k for k in self.custom_keys if k in name]
        return self.custom_keys[max(sorted(keys), key=len)] if keys else None

    def param_groups(self, model: nn.Module) -> List[dict]:
        """One parameter group per (layer, lr, weight decay)."""
        if is_model_wrapper(model):
            model = model.module
        backbone = getattr(model, 'backbone', None)
        if not hasattr(backbone, 'get_layer_depth'):
            raise TypeError(
                f'{type(model).__name__}.backbone '
                f'({type(backbone).__name__}) has no get_layer_depth(); '
                f'layer-wise decay needs an rsfm backbone')
        no_decay = {'backbone.' + n
                    for n in getattr(backbone, 'no_weight_decay', set)()}
        base_wd = self.optimizer_cfg.get('weight_decay', 0.)
        groups = OrderedDict()
        for name, param in model.named_parameters():
            if not param.requires_grad:
                continue
            layer_id, num_layers = backbone.get_layer_depth(
                name, 'backbone.', decay_type=self.decay_type)
            lr_scale = self.layer_decay_rate**(num_layers - layer_id - 1)
            if name in no_decay:
                wd_mult = 0.
            elif param.ndim == 1 or name.endswith('.bias'):
                wd_mult = self.flat_decay_mult
            else:
                wd_mult = 1.
            custom = self._custom(name)
            if custom is not None:
                lr_scale *= custom.get('lr_mult', 1.)
                wd_mult = custom.get('decay_mult', 1.)
            key = (layer_id, lr_scale, wd_mult)
            if key not in groups:
                groups[key] = dict(
                    params=[], param_names=[], lr=self.base_lr * lr_scale,
                    weight_decay=base_wd * wd_mult, lr_scale=lr_scale)
            groups[key]['params'].append(param)
            groups[key]['param_names'].append(name)
        lines = [f'layer {lid:>2} lr scale {scale:.4f} wd '
                 f'{g["weight_decay"]:.4g} ({len(g["params"])} tensors)'
                 for (lid, scale, _), g in sorted(groups.items())]
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
