"""DOTA label files: reading both grammars, and the dataset that trains on them.

A DOTA label file holds one object per line::

    x1 y1 x2 y2 x3 y3 x4 y4 category difficult

The raw release (``labelTxt/``) starts with two header lines,
``imagesource:GoogleEarth`` and ``gsd:0.146343590398``; the split-patch files
that a splitter writes have no header. :func:`load_dota_labels` reads both,
and every rsfm reader of DOTA labels goes through it.
"""
import glob
import os.path as osp
from typing import List, NamedTuple, Optional

from mmrotate.datasets import DOTADataset as _MMRotateDOTADataset

from rsfm.registry import DATASETS

#: Header keys of raw DOTA label files (``key:value`` lines before objects).
DOTA_HEADER_KEYS = ('imagesource', 'gsd')


class DOTAObject(NamedTuple):
    """One object of a DOTA label file."""
    poly: List[float]  # x1, y1, ..., x4, y4 in pixels
    category: str
    difficult: int


class DOTALabel(NamedTuple):
    """A parsed DOTA label file: its header (may be empty) and objects."""
    header: dict
    objects: List[DOTAObject]


def load_dota_labels(path: str) -> DOTALabel:
    """Read a DOTA label file in the raw or the split-patch grammar.

    Header lines (``imagesource:...``, ``gsd:...``) are accepted anywhere
    before the first object; blank lines are ignored. ``gsd:null`` (as in
    some DOTA files) is kept as ``None``. The difficulty flag may be absent
    (DOTA test-dev style), in which case it is 0.

    Raises:
        ValueError: naming the file and line for anything else.
    """
    header, objects = {}, []
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, start=1):
            line = line.strip()
            if not line:
                continue
            key, sep, value = line.partition(':')
            if sep and key in DOTA_HEADER_KEYS:
                if objects:
                    raise ValueError(
                        f'{path}:{lineno}: header line {line!r} after the '
                        f'first object')
                value = value.strip()
                if key == 'gsd':
                    value = None if value in ('', 'null', 'None') \
                        else float(value)
                header[key] = value
                continue
            fields = line.split()
            if len(fields) not in (9, 10):
                raise ValueError(
                    f'{path}:{lineno}: expected "x1 y1 x2 y2 x3 y3 x4 y4 '
                    f'category [difficult]" or a header line '
                    f'({"/".join(DOTA_HEADER_KEYS)}), got {line!r}')
            try:
                poly = [float(v) for v in fields[:8]]
                difficult = int(fields[9]) if len(fields) == 10 else 0
            except ValueError:
                raise ValueError(
                    f'{path}:{lineno}: coordinates must be numbers and the '
                    f'difficult flag an integer, got {line!r}') from None
            objects.append(DOTAObject(poly, fields[8], difficult))
    return DOTALabel(header, objects)


def dump_dota_labels(path: str,
                     objects: List[DOTAObject],
                     header: Optional[dict] = None) -> None:
    """Write a DOTA label file; with ``header`` in the raw grammar."""
    lines = []
    for key, value in (header or {}).items():
        lines.append(f'{key}:{"null" if value is None else value}')
    for obj in objects:
        coords = ' '.join(f'{v:.1f}' for v in obj.poly)
        lines.append(f'{coords} {obj.category} {obj.difficult}')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(''.join(line + '\n' for line in lines))


@DATASETS.register_module()
class DOTADataset(_MMRotateDOTADataset):
    """mmrotate's DOTA v1.0 dataset, reading labels of either grammar.

    Same arguments and data list as mmrotate's ``DOTADataset``
    (``ann_file`` is a folder of ``*.txt`` label files, or ``''`` for an
    unlabeled test split read from ``data_prefix['img_path']``), with these
    differences:

    - label files may carry the raw ``imagesource:``/``gsd:`` header
      (mmrotate fails on them with a bare ``float()`` error);
    - a malformed line or an unknown category raises an error naming the file
      and line; an image missing for a label file raises an error too;
    - files are read in sorted order, so the data list is deterministic.
    """

    def load_data_list(self) -> List[dict]:
        classes = self.metainfo['classes']
        cls_map = {c: i for i, c in enumerate(classes)}
        img_dir = self.data_prefix['img_path']
        suffix = f'.{self.img_suffix}'
        data_list = []
        if self.ann_file == '':
            img_files = sorted(glob.glob(osp.join(img_dir, f'*{suffix}')))
            if not img_files:
                raise ValueError(f'no *{suffix} images in {img_dir}')
            for img_path in img_files:
                img_name = osp.basename(img_path)
                data_list.append(
                    dict(img_path=img_path, file_name=img_name,
                         img_id=img_name[:-len(suffix)],
                         instances=[dict(bbox=[], bbox_label=[],
                                         ignore_flag=0)]))
            return data_list

        txt_files = sorted(glob.glob(osp.join(self.ann_file, '*.txt')))
        if not txt_files:
            raise ValueError(f'no *.txt label files in {self.ann_file}')
        for txt_file in txt_files:
            img_id = osp.basename(txt_file)[:-len('.txt')]
            img_name = img_id + suffix
            img_path = osp.join(img_dir, img_name)
            if not osp.isfile(img_path):
                raise FileNotFoundError(
                    f'{txt_file} has no image: expected {img_path}')
            instances = []
            for obj in load_dota_labels(txt_file).objects:
                if obj.category not in cls_map:
                    raise ValueError(
                        f'{txt_file}: category {obj.category!r} is not one '
                        f'of the dataset classes {classes}')
                instances.append(
                    dict(bbox=obj.poly, bbox_label=cls_map[obj.category],
                         ignore_flag=int(obj.difficult > self.diff_thr)))
            data_list.append(
                dict(img_id=img_id, file_name=img_name, img_path=img_path,
                     instances=instances))
        return data_list
