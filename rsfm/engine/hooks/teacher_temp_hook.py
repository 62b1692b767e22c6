"""The teacher temperature of a DINO-style loss, set per epoch."""
import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from rsfm.registry import HOOKS


@HOOKS.register_module()
class TeacherTempHook(Hook):
    """Set the model's ``teacher_temp`` before every training epoch from
    DINO's schedule: ``np.linspace(warmup_temp, temp, warmup_epochs)``,
    then ``temp``, read at ``epoch + epoch_offset``.

    CMID (``Pretrain/models/loss_utils.py`` ``LocalLoss``,
    ``Exploring/hook/dino_loss_warmup_hook.py``) reads its schedule at
    ``epoch - model_warmup_epoch``: ``epoch_offset=1`` for its ResNet-50
    config (``model_warmup_epoch: -1``, so epoch 0 already uses the second
    value), ``0`` for its Swin-B config.

    Args:
        warmup_temp: Temperature at schedule index 0 (0.04).
        temp: Temperature after the warm-up (0.07).
        warmup_epochs: Length of the linear warm-up (50).
        epoch_offset: Added to the epoch to index the schedule.
    """

    priority = 'NORMAL'

    def __init__(self, warmup_temp: float = 0.04, temp: float = 0.07,
                 warmup_epochs: int = 50, epoch_offset: int = 0):
        if warmup_epochs < 0 or epoch_offset < 0:
            raise ValueError(f'warmup_epochs ({warmup_epochs}) and '
                             f'epoch_offset ({epoch_offset}) must be >= 0')
        self.warmup = np.linspace(warmup_temp, temp, warmup_epochs)
        self.temp, self.epoch_offset = temp, epoch_offset

    def value(self, epoch: int) -> float:
        """The temperature of ``epoch`` (0-based)."""
        index = epoch + self.epoch_offset
        return float(self.warmup[index]) if index < len(self.warmup) \
            else float(self.temp)

    def before_train_epoch(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        if not hasattr(model, 'teacher_temp'):
            raise AttributeError(f'{type(model).__name__} has no '
                                 f'teacher_temp for TeacherTempHook')
        model.teacher_temp = self.value(runner.epoch)
