from .hooks import CheckpointHook, FiniteLossHook
from .optim_constructor import LayerDecayOptimWrapperConstructor
from .runner import Runner, load_run_checkpoint

__all__ = [
    'CheckpointHook', 'FiniteLossHook', 'LayerDecayOptimWrapperConstructor',
    'Runner', 'load_run_checkpoint'
]
