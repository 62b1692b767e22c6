from .adan import Adan
from .hooks import (CheckpointHook, FiniteLossHook, RandomStateHook,
                    TeacherTempHook)
from .optim_constructor import LayerDecayOptimWrapperConstructor
from .runner import Runner, load_run_checkpoint

__all__ = [
    'Adan', 'CheckpointHook', 'FiniteLossHook',
    'LayerDecayOptimWrapperConstructor', 'RandomStateHook', 'Runner',
    'TeacherTempHook', 'load_run_checkpoint'
]
