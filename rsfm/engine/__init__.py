from .hooks import CheckpointHook, FiniteLossHook, RandomStateHook
from .optim_constructor import LayerDecayOptimWrapperConstructor
from .runner import Runner, load_run_checkpoint

__all__ = [
    'CheckpointHook', 'FiniteLossHook', 'LayerDecayOptimWrapperConstructor',
    'RandomStateHook', 'Runner', 'load_run_checkpoint'
]
