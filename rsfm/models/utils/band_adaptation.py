"""Select or add input bands of a pretrained first layer, explicitly."""
from typing import Optional, Sequence, Tuple

import torch

#: what the RGB checkpoints of the supported papers were trained on
RGB = ('R', 'G', 'B')


def adapt_input_bands(weight: torch.Tensor,
                      checkpoint_bands: Optional[Sequence[str]],
                      bands: Optional[Sequence[str]],
                      key: str = 'first layer') -> Tuple[torch.Tensor, str]:
    """Reorder, select or extend the input channels of a first-layer weight.

    Each of ``bands`` takes the kernel slice of the same-named band of the
    checkpoint; bands the checkpoint lacks start at zero, so the pretrained
    function of the shared bands is kept exactly and the new ones are learnt.

    Args:
        weight: ``(C_out, C_in, ...)`` weight from the checkpoint.
        checkpoint_bands: Names of its ``C_in`` input channels.
        bands: Names of the model's input channels; ``None`` means "the
            checkpoint's bands, unchanged".
        key: The weight's name, for messages.

    Returns:
        ``(weight, note)``; ``note`` is '' when nothing changed.

    Raises:
        ValueError: when the bands are unnamed but the channel counts differ,
            or names do not fit the weight.
    """
    c_in = weight.shape[1]
    if checkpoint_bands is not None and len(checkpoint_bands) != c_in:
        raise ValueError(f'{key} has {c_in} input channels but the checkpoint '
                         f'bands {tuple(checkpoint_bands)} name '
                         f'{len(checkpoint_bands)}')
    if bands is None or (checkpoint_bands is not None
                         and tuple(bands) == tuple(checkpoint_bands)):
        return weight, ''
    if checkpoint_bands is None:
        raise ValueError(
            f'{key}: the checkpoint\'s {c_in} input bands are unnamed; pass '
            f'init_cfg checkpoint_bands=(...) to map them to bands='
            f'{tuple(bands)}')
    out = weight.new_zeros((weight.shape[0], len(bands)) + weight.shape[2:])
    kept, new = [], []
    for i, band in enumerate(bands):
        if band in checkpoint_bands:
            out[:, i] = weight[:, list(checkpoint_bands).index(band)]
            kept.append(band)
        else:
            new.append(band)
    dropped = [b for b in checkpoint_bands if b not in bands]
    note = (f'bands of {key}: {tuple(checkpoint_bands)} -> {tuple(bands)}; '
            f'kept {kept}, new (zero-initialised) {new}, dropped {dropped}')
    return out, note
