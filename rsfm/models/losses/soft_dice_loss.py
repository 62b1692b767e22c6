"""A batch-level soft Dice loss over softmax probabilities."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from rsfm.registry import MODELS


@MODELS.register_module()
class SoftDiceLoss(nn.Module):
    """``1 - mean_c(2 |P_c . Y_c| / (|P_c| + |Y_c| + eps))``: per class,
    intersection and cardinality summed over the whole batch and all
    pixels, then averaged over classes, with ``P`` the softmax of the
    logits and ``Y`` the one-hot labels.

    This is the Dice term of CMID's change-detection "hybrid" loss
    (``ChangeDetection/utils/metrics.py`` ``dice_loss``; the hybrid adds a
    cross-entropy). mmseg's ``DiceLoss`` differs: it sums per sample over
    all classes together. Usable as an mmseg ``loss_decode`` entry.

    Args:
        eps: Added to the denominator (CMID: 1e-7).
        loss_weight: Factor of the loss.
        loss_name: Key of the loss (must start with ``loss_``).
    """

    def __init__(self, eps: float = 1e-7, loss_weight: float = 1.0,
                 loss_name: str = 'loss_dice'):
        super().__init__()
        if not loss_name.startswith('loss_'):
            raise ValueError(f'loss_name must start with "loss_" (mmseg '
                             f'sums those keys), got {loss_name!r}')
        self.eps, self.loss_weight = eps, loss_weight
        self._loss_name = loss_name

    def forward(self, logits: torch.Tensor, label: torch.Tensor,
                weight=None, ignore_index: int = 255,
                **kwargs) -> torch.Tensor:
        """``logits`` ``(B, C, H, W)``, ``label`` ``(B, H, W)``.

        NOTE: pixels labelled ``ignore_index`` are left out of both sums
        (CMID's labels have none; its loss would fail on them).
        """
        probs = logits.softmax(dim=1)  # (B, C, H, W)
        valid = (label != ignore_index).unsqueeze(1)  # (B, 1, H, W)
        one_hot = F.one_hot(torch.where(valid[:, 0], label, 0),
                            probs.shape[1]).permute(0, 3, 1, 2)
        probs, one_hot = probs * valid, one_hot.to(probs) * valid
        dims = (0, 2, 3)
        intersection = (probs * one_hot).sum(dims)  # (C, )
        cardinality = (probs + one_hot).sum(dims)
        dice = (2 * intersection / (cardinality + self.eps)).mean()
        return self.loss_weight * (1 - dice)

    @property
    def loss_name(self) -> str:
        return self._loss_name
