"""Converting the ISPRS Potsdam downloads to mmseg's layout (the body of
``tools/dataset_converters/potsdam.py``), without mmsegmentation's
repository."""
import os
import os.path as osp
import re
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np
import rasterio
from mmengine.utils import track_iter_progress

from rsfm.utils.atomic import atomic_output
from .change_detection_convert import Source, _summary, check_output_folder

#: the official training and test tiles (mmseg's converter: train / val)
TRAIN_TILES = ('2_10', '2_11', '2_12', '3_10', '3_11', '3_12', '4_10',
               '4_11', '4_12', '5_10', '5_11', '5_12', '6_10', '6_11',
               '6_12', '6_7', '6_8', '6_9', '7_10', '7_11', '7_12', '7_7',
               '7_8', '7_9')
VAL_TILES = ('5_15', '6_15', '6_13', '3_13', '4_14', '6_14', '5_14', '2_13',
             '4_15', '2_14', '5_13', '4_13', '3_14', '7_13')
#: label index of each legend colour, by the colour's bits (R, G, B) >= 128:
#: 0 boundary (black), 1 impervious surfaces (white), 2 building (blue),
#: 3 low vegetation (cyan), 4 tree (green), 5 car (yellow), 6 clutter (red)
COLOUR_BITS = {(0, 0, 0): 0, (1, 1, 1): 1, (0, 0, 1): 2, (0, 1, 1): 3,
               (0, 1, 0): 4, (1, 1, 0): 5, (1, 0, 0): 6}
_TILE = re.compile(r'top_potsdam_(\d+_\d+)_(RGB|RGBIR|label|'
                   r'label_noBoundary)\.tif$')


def colour_to_index(label: np.ndarray) -> Tuple[np.ndarray, int]:
    """An ISPRS colour label ``(3, H, W)`` (R, G, B) to indices ``(H, W)``.

    Each channel is thresholded at 128 before the legend is matched, so
    lossy colours (tile 4_12's re-encoded label, tile 6_7's (252, 255, 0)
    cars) get their class; mmseg's exact matching maps them to 0. The one
    colour outside the legend, magenta, becomes 0 (ignored).

    Returns:
        The index map and the number of magenta pixels.
    """
    bits = (label >= 128).astype(np.uint8)
    code = bits[0] * 4 + bits[1] * 2 + bits[2]  # (H, W) in 0..7
    lut = np.zeros(8, np.uint8)
    for (r, g, b), index in COLOUR_BITS.items():
        lut[r * 4 + g * 2 + b] = index
    return lut[code], int((code == 5).sum())


def clip_windows(size: int, clip: int, stride: int) -> list:
    """Window starts along one axis: every ``stride`` pixels, and one more
    ending at the border (mmseg's converter places its clips the same
    way)."""
    starts = list(range(0, max(size - clip, 0) + 1, stride))
    if starts[-1] + clip < size:
        starts.append(size - clip)
    return starts


def _find_tiles(sources: Sequence[Source], image_kind: str, label_kind: str
                ) -> Dict[str, Dict[str, Tuple[Source, str]]]:
    tiles = {}
    for source in sources:
        for member in source.members():
            match = _TILE.search(member)
            if match and match.group(2) in (image_kind, label_kind):
                kind = 'image' if match.group(2) == image_kind else 'label'
                found = tiles.setdefault(match.group(1), {})
                if kind in found:
                    raise ValueError(
                        f'tile {match.group(1)} {kind} found twice: '
                        f'{found[kind][0].where(found[kind][1])} and '
                        f'{source.where(member)}; give each archive once')
                found[kind] = (source, member)
    return tiles


def _write_clip(path: str, img: np.ndarray, bands: Optional[tuple]) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with atomic_output(path) as tmp:
        if bands is None:  # (H, W, 3) RGB or (H, W) labels as PNG
            ok = cv2.imwrite(tmp, img[..., ::-1] if img.ndim == 3 else img)
            if not ok:
                raise OSError(f'cannot write {path}')
            return
        with rasterio.open(tmp, 'w', driver='GTiff', height=img.shape[0],
                           width=img.shape[1], count=img.shape[2],
                           dtype=img.dtype) as dst:
            dst.write(img.transpose(2, 0, 1))
            for i, band in enumerate(bands, 1):
                dst.set_band_description(i, band)


def convert_potsdam(sources: Sequence[str], out_dir: str, clip: int = 512,
                    stride: int = 512, rgbir: bool = False,
                    boundary: bool = False) -> str:
    """ISPRS Potsdam archives (or their folders) -> mmseg's layout:
    ``out_dir/img_dir/{train,val}/{tile}_{x0}_{y0}_{x1}_{y1}.png`` (RGB;
    with ``rgbir`` 4-band GeoTIFF ``.tif`` with band descriptions R, G, B,
    NIR from ``4_Ortho_RGBIR.zip``) and ``ann_dir/{train,val}/...png``
    (indices 0 boundary/ignored, 1..6 the classes; see
    :func:`colour_to_index`).

    Labels come from ``5_Labels_all_noBoundary.zip`` (the evaluation labels,
    boundaries eroded to 0), or with ``boundary`` from ``5_Labels_all.zip``.
    Train and val are the official training and test tiles. The default
    512 clips at stride 512 are the clips mmseg's converter writes (its
    stride argument does not change them), those SMLFR and CMID train on.

    Returns:
        The summary printed.
    """
    check_output_folder(out_dir)
    if clip <= 0 or stride <= 0:
        raise ValueError(f'clip and stride must be positive, got {clip}, '
                         f'{stride}')
    image_kind = 'RGBIR' if rgbir else 'RGB'
    label_kind = 'label' if boundary else 'label_noBoundary'
    tiles = _find_tiles([Source(s) for s in sources], image_kind,
                        label_kind)
    unknown = sorted(set(tiles) - set(TRAIN_TILES) - set(VAL_TILES))
    if unknown:
        raise ValueError(f'tiles {unknown} are not Potsdam tiles of the '
                         f'official train or test lists')
    half = sorted(t for t, kinds in tiles.items() if len(kinds) != 2)
    if half:
        raise FileNotFoundError(
            f'tiles {half} have a top_potsdam_*_{image_kind}.tif image or a '
            f'*_{label_kind}.tif label but not both: give both archives '
            f'(2_Ortho_RGB.zip or 4_Ortho_RGBIR.zip, and '
            f'5_Labels_all{"" if boundary else "_noBoundary"}.zip)')
    if not tiles:
        raise FileNotFoundError(f'no top_potsdam_*_{image_kind}.tif in '
                                f'{list(sources)}')
    bands = ('R', 'G', 'B', 'NIR') if rgbir else None
    suffix = '.tif' if rgbir else '.png'
    rows = {}
    for split, ids in (('train', TRAIN_TILES), ('val', VAL_TILES)):
        present = [t for t in ids if t in tiles]
        clips, magenta = 0, 0
        for tile in track_iter_progress(present):
            (src_img, img_member), (src_lab, lab_member) = \
                tiles[tile]['image'], tiles[tile]['label']
            with rasterio.open(src_img.raster(img_member)) as src:
                img = src.read()  # (C, H, W)
            with rasterio.open(src_lab.raster(lab_member)) as src:
                label = src.read()[:3]
            if img.shape[1:] != label.shape[1:]:
                raise ValueError(
                    f'{src_img.where(img_member)} is {img.shape[1:]} but '
                    f'its label {src_lab.where(lab_member)} is '
                    f'{label.shape[1:]}')
            expected = 4 if rgbir else 3
            if img.shape[0] != expected:
                raise ValueError(f'{src_img.where(img_member)} has '
                                 f'{img.shape[0]} bands, {expected} expected')
            index, n_magenta = colour_to_index(label)
            magenta += n_magenta
            img = img.transpose(1, 2, 0)  # (H, W, C)
            h, w = index.shape
            for y in clip_windows(h, clip, stride):
                for x in clip_windows(w, clip, stride):
                    name = f'{tile}_{x}_{y}_{x + clip}_{y + clip}'
                    window = (slice(y, y + clip), slice(x, x + clip))
                    _write_clip(osp.join(out_dir, 'img_dir', split,
                                         name + suffix), img[window], bands)
                    _write_clip(osp.join(out_dir, 'ann_dir', split,
                                         name + '.png'), index[window], None)
                    clips += 1
        missing = [t for t in ids if t not in tiles]
        rows[split] = dict(tiles=len(present), clips=clips,
                           **{'off-legend pixels (ignored)': magenta},
                           missing=' '.join(missing) if missing else 'none')
    return _summary(f'Potsdam written to {out_dir} ({image_kind}, '
                    f'{label_kind} labels, {clip} clips, stride {stride}):',
                    rows)
