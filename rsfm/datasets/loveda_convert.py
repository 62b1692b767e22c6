"""Converting the LoveDA downloads to mmseg's layout (the body of
``tools/dataset_converters/loveda.py``)."""
import os.path as osp
import re
from collections import defaultdict
from typing import Sequence

import numpy as np
from mmengine.utils import track_iter_progress

from .change_detection_convert import (Source, _summary, _write_bytes,
                                       check_output_folder, decode)

#: LoveDA's mask values: 0 no-data (ignored), then the 7 classes
LOVEDA_CLASSES = ('background', 'building', 'road', 'water', 'barren',
                  'forest', 'agricultural')
_MEMBER = re.compile(
    r'(?:^|/)(Train|Val|Test)/(Urban|Rural)/(images_png|masks_png)/'
    r'([^/]+)\.png$')


def convert_loveda(sources: Sequence[str], out_dir: str) -> str:
    """LoveDA's ``Train.zip``, ``Val.zip``, ``Test.zip`` (or the folders
    they unpack to: ``{Train,Val,Test}/{Urban,Rural}/{images_png,
    masks_png}``) -> ``out_dir/img_dir/{train,val,test}/N.png`` and
    ``out_dir/ann_dir/{train,val}/N.png``, Urban and Rural together (the
    file names are unique across them), files copied byte for byte.

    Masks are checked: one band, values 0 (no-data, ignored) to 7. Returns
    the summary printed.
    """
    check_output_folder(out_dir)
    found = defaultdict(dict)  # (split, name) -> kind -> (source, member)
    domains = {}
    for source in map(Source, sources):
        for member in source.members():
            match = _MEMBER.search(member)
            if not match:
                continue
            split, domain, kind, name = match.groups()
            key = (split.lower(), name)
            if kind in found[key]:
                first = found[key][kind]
                raise ValueError(
                    f'LoveDA {split} image {name}.png appears twice: '
                    f'{first[0].where(first[1])} and '
                    f'{source.where(member)}')
            found[key][kind] = (source, member)
            domains[key] = domain
    if not found:
        raise FileNotFoundError(
            f'no LoveDA {{Train,Val,Test}}/{{Urban,Rural}}/images_png files '
            f'in {list(sources)}')
    rows = {}
    for split in ('train', 'val', 'test'):
        names = sorted((n for s, n in found if s == split), key=_number)
        if not names:
            continue
        counts = np.zeros(len(LOVEDA_CLASSES) + 1, np.int64)
        for name in track_iter_progress(names):
            files = found[(split, name)]
            if 'images_png' not in files:
                source, member = files['masks_png']
                raise FileNotFoundError(f'{source.where(member)} has no '
                                        f'image in images_png/')
            source, member = files['images_png']
            _write_bytes(osp.join(out_dir, 'img_dir', split, f'{name}.png'),
                         source.read(member))
            if split == 'test':
                continue
            if 'masks_png' not in files:
                raise FileNotFoundError(f'{source.where(member)} has no mask '
                                        f'in masks_png/')
            source, member = files['masks_png']
            data = source.read(member)
            mask = decode(data, source.where(member), gray=True)
            if mask.max() > len(LOVEDA_CLASSES):
                raise ValueError(
                    f'{source.where(member)} holds value {int(mask.max())}; '
                    f'LoveDA masks hold 0 (no-data) to 7')
            counts += np.bincount(mask.ravel(), minlength=len(counts))
            _write_bytes(osp.join(out_dir, 'ann_dir', split, f'{name}.png'),
                         data)
        urban = sum(domains[(split, n)] == 'Urban' for n in names)
        row = dict(images=len(names), urban=urban, rural=len(names) - urban)
        if split != 'test':
            row['no-data'] = f'{100 * counts[0] / counts.sum():.2f}%'
        rows[split] = row
    return _summary(f'LoveDA written to {out_dir}:', rows)


def _number(name: str):
    return (0, int(name)) if name.isdigit() else (1, name)
