from .cd_visualization_hook import CDVisualizationHook
from .checkpoint_hook import CheckpointHook
from .finite_loss_hook import FiniteLossHook
from .random_state_hook import (RandomStateHook, gather_random_states,
                                get_random_state, set_random_state)
from .seg_visualization_hook import SegVisualizationHook

__all__ = [
    'CDVisualizationHook', 'CheckpointHook', 'FiniteLossHook',
    'RandomStateHook', 'SegVisualizationHook', 'gather_random_states',
    'get_random_state', 'set_random_state'
]
