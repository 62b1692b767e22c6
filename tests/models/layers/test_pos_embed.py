import pytest
import torch

from rsfm.models.layers import select_spectral_groups

S2 = ('B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A', 'B09',
      'B11', 'B12')
POS = torch.arange(4.).view(1, 4, 1).expand(1, 4, 2)  # group g -> value g


def _groups(out):
    return out[0, :, 0].tolist()


def test_same_bands_unchanged():
    out, note = select_spectral_groups(POS, S2, S2, 3)
    assert out is POS and note == ''


def test_groups_in_another_order_map_to_their_own():
    bands = S2[6:9] + S2[0:3] + S2[9:] + S2[3:6]
    out, note = select_spectral_groups(POS, S2, bands, 3)
    assert _groups(out) == [2., 0., 3., 1.]
    assert 'matched by band name' in note


def test_subset_of_whole_groups_selects_them():
    """Different subsets get different embeddings (interpolation gave the
    same to every 2-group subset)."""
    a, _ = select_spectral_groups(POS, S2, S2[0:3] + S2[9:], 3)
    b, _ = select_spectral_groups(POS, S2, S2[3:9], 3)
    assert _groups(a) == [0., 3.] and _groups(b) == [1., 2.]


@pytest.mark.parametrize('bands', [
    tuple(reversed(S2)),  # reversed inside groups
    ('B02', 'B03', 'B04', 'B08', 'B11', 'B12'),  # groups split
    ('R', 'G', 'B'),  # unknown bands
])
def test_anything_else_is_refused(bands):
    with pytest.raises(ValueError, match='not groups of the checkpoint'):
        select_spectral_groups(POS, S2, bands, 3)


def test_explicit_choices_are_logged():
    bands = ('B02', 'B03', 'B04', 'B08', 'B11', 'B12')
    out, note = select_spectral_groups(POS, S2, bands, 3, choice=[0, 3])
    assert _groups(out) == [0., 3.] and 'chosen by spectral_groups' in note
    out, note = select_spectral_groups(POS, S2, bands, 3,
                                       choice='interpolate')
    assert _groups(out) == [0., 3.] and 'interpolated' in note
    with pytest.raises(ValueError, match='one checkpoint group'):
        select_spectral_groups(POS, S2, bands, 3, choice=[0, 4])
    with pytest.raises(ValueError, match='no band names'):
        select_spectral_groups(POS, None, bands, 3)
