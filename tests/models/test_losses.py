"""rsfm.SoftDiceLoss: CMID's batch-level soft Dice."""
import pytest
import torch

from rsfm.models.losses import SoftDiceLoss


def test_soft_dice_by_hand():
    logits = torch.randn(2, 3, 4, 5, requires_grad=True)
    label = torch.randint(0, 3, (2, 4, 5))
    loss = SoftDiceLoss()(logits, label)
    # per class, summed over batch and pixels, then averaged over classes
    probs = logits.softmax(1)
    dices = []
    for c in range(3):
        p, y = probs[:, c], (label == c).float()
        dices.append(2 * (p * y).sum() / ((p + y).sum() + 1e-7))
    torch.testing.assert_close(loss, 1 - torch.stack(dices).mean())
    loss.backward()
    assert logits.grad.abs().sum() > 0
    # perfect logits: the loss goes to 0
    perfect = torch.nn.functional.one_hot(label, 3).permute(0, 3, 1, 2) * 50.
    assert SoftDiceLoss()(perfect.float(), label) < 1e-6


def test_ignored_pixels_are_left_out():
    logits = torch.randn(1, 2, 4, 4)
    label = torch.randint(0, 2, (1, 4, 4))
    ignored = label.clone()
    ignored[:, :2] = 255
    expected = SoftDiceLoss()(logits[..., 2:, :], label[:, 2:])
    torch.testing.assert_close(SoftDiceLoss()(logits, ignored), expected)
    with pytest.raises(ValueError, match='must start with "loss_"'):
        SoftDiceLoss(loss_name='dice')
