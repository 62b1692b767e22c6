from .optim_constructor import LayerDecayOptimWrapperConstructor
from .runner import Runner, load_run_checkpoint

__all__ = [
    'LayerDecayOptimWrapperConstructor', 'Runner', 'load_run_checkpoint'
]
