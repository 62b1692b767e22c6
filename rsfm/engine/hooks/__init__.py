"""Engine hooks. ``seg_visualization_hook`` imports mmseg and is imported
where it is used (``tools/test.py --show-dir``), not here."""
from .cd_visualization_hook import CDVisualizationHook
from .checkpoint_hook import CheckpointHook
from .finite_loss_hook import FiniteLossHook
from .random_state_hook import (RandomStateHook, gather_random_states,
                                get_random_state, set_random_state)
from .teacher_temp_hook import TeacherTempHook

__all__ = [
    'CDVisualizationHook', 'CheckpointHook', 'FiniteLossHook',
    'RandomStateHook', 'TeacherTempHook', 'gather_random_states',
    'get_random_state', 'set_random_state'
]
