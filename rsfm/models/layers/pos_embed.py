"""Fit position embeddings and relative-position tables of a checkpoint to
a model of another grid, window or band set."""
import math
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F


def resize_pos_embed(pos_embed: torch.Tensor, src_grid: Tuple[int, int],
                     dst_grid: Tuple[int, int],
                     num_extra: int) -> torch.Tensor:
    """Bicubically resize ``(1, extra + h*w, C)`` position embeddings."""
    if tuple(src_grid) == tuple(dst_grid):
        return pos_embed
    extra, grid = pos_embed[:, :num_extra], pos_embed[:, num_extra:]
    grid = grid.reshape(1, *src_grid, -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid.float(), size=dst_grid, mode='bicubic',
                         align_corners=False).to(pos_embed.dtype)
    return torch.cat([extra, grid.flatten(2).transpose(1, 2)], dim=1)


def resize_relative_position_table(table: torch.Tensor,
                                   size: int) -> torch.Tensor:
    """Bicubically resize a ``((2w-1)**2, heads)`` bias table to
    ``(size, heads)``, as Swin's fine-tuning code does across windows."""
    src, dst = int(math.isqrt(table.shape[0])), int(math.isqrt(size))
    grid = table.t().reshape(1, -1, src, src)  # (1, heads, 2w-1, 2w-1)
    grid = F.interpolate(grid.float(), size=(dst, dst), mode='bicubic',
                         align_corners=False)
    return grid.reshape(-1, dst * dst).t().to(table.dtype)


def _groups(bands: Sequence[str], size: int) -> list:
    return [tuple(bands[i:i + size]) for i in range(0, len(bands), size)]


def select_spectral_groups(
        pos: torch.Tensor,
        checkpoint_bands: Optional[Sequence[str]],
        bands: Sequence[str],
        group_size: int,
        choice: Union[None, str, Sequence[int]] = None,
        key: str = 'pos_embed_temporal') -> Tuple[torch.Tensor, str]:
    """Pick the spectral position embedding of each input band group.

    A spectral ViT embeds ``group_size`` consecutive bands as one token, so a
    pretrained ``(1, groups, C)`` spectral embedding belongs to groups of
    named bands. Each group of ``bands`` takes the embedding of the
    checkpoint group with the same bands in the same order: bands listed in
    another group order map to their own groups, and a subset made of whole
    checkpoint groups selects those groups. Anything else (a group split,
    reordered inside, or holding unknown bands) needs ``choice``:

    - a sequence of checkpoint group indices, one per input group;
    - ``'interpolate'``: linear interpolation over the group axis, whatever
      the band names (what SpectralGPT's fine-tuning code does).

    Returns:
        ``(embedding for the input groups, note for the load report)``.

    Raises:
        ValueError: naming the groups that match no checkpoint group, and
            the two ways to choose.
    """
    num_ckpt = pos.shape[1]
    wanted = _groups(tuple(bands), group_size)
    if isinstance(choice, str):
        if choice != 'interpolate':
            raise ValueError(f'spectral_groups must be "interpolate" or '
                             f'checkpoint group indices, got {choice!r}')
        out = F.interpolate(pos.transpose(1, 2).float(), size=len(wanted),
                            mode='linear', align_corners=True)
        return (out.transpose(1, 2).to(pos.dtype),
                f'{key}: {num_ckpt} checkpoint spectral groups interpolated '
                f'to {len(wanted)} for bands {tuple(bands)} '
                f'(spectral_groups="interpolate")')
    if choice is not None:
        index = [int(i) for i in choice]
        if len(index) != len(wanted) or not all(
                0 <= i < num_ckpt for i in index):
            raise ValueError(
                f'spectral_groups={tuple(choice)} must give one checkpoint '
                f'group in [0, {num_ckpt}) for each of the {len(wanted)} '
                f'input groups {wanted}')
        how = 'chosen by spectral_groups'
    else:
        if checkpoint_bands is None:
            raise ValueError(
                f'{key}: the checkpoint\'s {num_ckpt} spectral groups have '
                f'no band names; give init_cfg checkpoint_bands=(...) to '
                f'match them to bands={tuple(bands)}, or spectral_groups='
                f'[...] / "interpolate"')
        have = _groups(tuple(checkpoint_bands), group_size)
        if len(have) != num_ckpt:
            raise ValueError(
                f'{key} has {num_ckpt} spectral groups but checkpoint bands '
                f'{tuple(checkpoint_bands)} make {len(have)} groups of '
                f'{group_size}')
        unmatched = [g for g in wanted if g not in have]
        if unmatched:
            raise ValueError(
                f'input band groups {unmatched} are not groups of the '
                f'checkpoint, whose {group_size}-band groups are {have}; '
                f'list bands as whole checkpoint groups, or choose in '
                f'init_cfg: spectral_groups=[checkpoint group per input '
                f'group] or spectral_groups="interpolate"')
        index = [have.index(g) for g in wanted]
        if index == list(range(num_ckpt)):
            return pos, ''
        how = 'matched by band name'
    note = (f'{key}: input band groups {wanted} take checkpoint groups '
            f'{index} ({how})')
    return pos[:, index], note
