"""DOTA label files: reading and writing both grammars (host-free).

A DOTA label file holds one object per line::

    x1 y1 x2 y2 x3 y3 x4 y4 category difficult

The raw release (``labelTxt/``) starts with two header lines,
``imagesource:GoogleEarth`` and ``gsd:0.146343590398``; the split-patch files
that a splitter writes have no header. :func:`load_dota_labels` reads both,
and every rsfm reader of DOTA labels goes through it (the dataset in
:mod:`rsfm.datasets.rotated`, the splitter).
"""
from typing import List, NamedTuple, Optional

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
    (DOTA test-dev style), in which case it is 0. A UTF-8 byte-order mark
    (as some editors write) is skipped.

    Raises:
        ValueError: naming the file and line for anything else.
    """
    header, objects = {}, []
    with open(path, encoding='utf-8-sig') as f:
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
