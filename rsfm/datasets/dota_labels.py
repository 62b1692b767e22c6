"""DOTA label files: reading and writing both grammars (host-free).

A DOTA label file holds one object per line::

    x1 y1 x2 y2 x3 y3 x4 y4 category difficult

The raw release (``labelTxt/``) starts with two header lines,
``imagesource:GoogleEarth`` and ``gsd:0.146343590398``; the split-patch files
that a splitter writes have no header. :func:`load_dota_labels` reads both,
and every rsfm reader of DOTA labels goes through it (the dataset in
:mod:`rsfm.datasets.rotated`, the splitter).
"""
import math
from typing import List, NamedTuple, Optional

from rsfm.utils.atomic import write_text_atomically

#: Header keys of raw DOTA label files (``key:value`` lines before objects).
DOTA_HEADER_KEYS = ('imagesource', 'gsd')

#: The 15 categories of DOTA v1.0, as its label files spell them.
DOTA_V1_CLASSES = ('plane', 'baseball-diamond', 'bridge',
                   'ground-track-field', 'small-vehicle', 'large-vehicle',
                   'ship', 'tennis-court', 'basketball-court',
                   'storage-tank', 'soccer-ball-field', 'roundabout',
                   'harbor', 'swimming-pool', 'helicopter')


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
        ValueError: naming the file and line for anything else: malformed
            lines, non-numeric or non-finite (NaN, inf) coordinates, a
            malformed ``gsd``, a file that is not UTF-8 text.
    """
    try:
        with open(path, encoding='utf-8-sig') as f:
            return _parse_dota_lines(path, f)
    except UnicodeDecodeError as e:
        raise ValueError(f'{path} is not a UTF-8 text label file (byte '
                         f'{e.start}: {e.reason}); is it an image or an '
                         f'archive?') from None


def _parse_dota_lines(path: str, lines) -> 'DOTALabel':
    """The grammar of :func:`load_dota_labels` over ``lines``."""
    header, objects = {}, []
    for lineno, line in enumerate(lines, start=1):
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
                value = _parse_gsd(path, lineno, value)
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
        if not all(math.isfinite(v) for v in poly):
            raise ValueError(f'{path}:{lineno}: coordinates must be '
                             f'finite, got {line!r}')
        objects.append(DOTAObject(poly, fields[8], difficult))
    return DOTALabel(header, objects)


def _parse_gsd(path: str, lineno: int, value: str) -> Optional[float]:
    """A ``gsd:`` header value: a positive number of metres, or null."""
    if value in ('', 'null', 'None'):
        return None
    try:
        gsd = float(value)
    except ValueError:
        gsd = math.nan
    if not (math.isfinite(gsd) and gsd > 0):
        raise ValueError(f'{path}:{lineno}: gsd must be a positive number '
                         f'(metres per pixel) or null, got {value!r}')
    return gsd


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
    write_text_atomically(path, ''.join(line + '\n' for line in lines))
