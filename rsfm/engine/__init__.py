from .model_wrapper import DeviceAwareDistributedDataParallel
from .optim_constructor import LayerDecayOptimWrapperConstructor
from .runner import Runner, load_run_checkpoint

__all__ = [
    'DeviceAwareDistributedDataParallel', 'LayerDecayOptimWrapperConstructor',
    'Runner', 'load_run_checkpoint'
]
