"""BigEarthNet-S2 as released (one folder per patch, one GeoTIFF per band at
10, 20 and 60 m) -> one 12-band GeoTIFF per patch on the 10 m grid, the
input SpectralGPT's second pretraining stage reads (the body of
``tools/dataset_converters/bigearthnet.py``)."""
import os.path as osp
import re
from collections import defaultdict
from typing import Dict

from mmengine.logging import print_log
from mmengine.utils import track_iter_progress
from rasterio.enums import Resampling

from .change_detection_convert import (Source, check_output_folder,
                                       stack_bands, write_geotiff)

#: BigEarthNet-S2's 12 L2A bands (no B10), in wavelength order: SpectralGPT's
BIGEARTHNET_BANDS = ('B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08',
                     'B8A', 'B09', 'B11', 'B12')
_BAND = re.compile(r'^(?P<patch>.+)_(?P<band>B\d[\dA])\.tif$')


def find_patches(source: Source) -> Dict[str, Dict[str, str]]:
    """Patch folder -> band -> member, for files ``<patch>/<patch>_Bxx.tif``
    (BigEarthNet-S2 v1.0; at any depth, so tile folders above the patches
    are fine)."""
    patches = defaultdict(dict)
    for member in source.members():
        folder, name = osp.split(member)
        match = _BAND.match(name)
        if match and osp.basename(folder) == match['patch']:
            patches[folder][match['band']] = member
    return dict(patches)


def convert_bigearthnet(source: str, out_dir: str,
                        resampling: str = 'bilinear') -> str:
    """Write ``out_dir/<patch>.tif`` for every patch of ``source`` (the
    unpacked BigEarthNet-S2 folder): uint16, the 12 bands named
    ``B01`` ... ``B12`` (``B8A`` after ``B08``) in band descriptions, the
    20 m and 60 m bands resampled onto B02's 10 m grid with rasterio
    (``resampling``), the patch's CRS and transform kept. Shows progress;
    refuses a non-empty ``out_dir``; a patch missing a band is an error
    naming it. Returns the summary printed."""
    check_output_folder(out_dir)
    if resampling not in ('nearest', 'bilinear', 'cubic'):
        raise ValueError(f"resampling must be 'nearest', 'bilinear' or "
                         f"'cubic', got {resampling!r}")
    method = getattr(Resampling, resampling)
    src = Source(source)
    patches = find_patches(src)
    if not patches:
        raise FileNotFoundError(
            f'{source} holds no BigEarthNet-S2 patch folder '
            f'(<patch>/<patch>_B02.tif, ...)')
    for folder, members in sorted(patches.items()):  # all, before writing
        missing = [b for b in BIGEARTHNET_BANDS if b not in members]
        if missing:
            raise FileNotFoundError(
                f'{src.where(folder)} lacks band file(s) {missing}; found '
                f'{sorted(members)}')
    sizes = set()
    for folder in track_iter_progress(sorted(patches)):
        members = patches[folder]
        stack, profile = stack_bands(src, members, BIGEARTHNET_BANDS, 'B02',
                                     method)
        sizes.add(stack.shape[1:])
        write_geotiff(osp.join(out_dir, osp.basename(folder) + '.tif'),
                      stack, profile, bands=BIGEARTHNET_BANDS)
    summary = (f'BigEarthNet-S2: {len(patches)} patches -> {out_dir}, 12 '
               f'bands ({", ".join(BIGEARTHNET_BANDS)}) on the 10 m grid, '
               f'sizes {sorted(sizes)}, {resampling} resampling')
    print_log(summary, logger='current')
    return summary
