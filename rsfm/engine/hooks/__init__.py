from .checkpoint_hook import CheckpointHook
from .finite_loss_hook import FiniteLossHook

__all__ = ['CheckpointHook', 'FiniteLossHook']
