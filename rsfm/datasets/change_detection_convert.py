"""Converting the official change-detection downloads to rsfm's layouts
(the bodies of ``tools/dataset_converters/{levir_cd,cdd,oscd}.py``).

Each reads the release as downloaded: its zip archives, or the folders they
unpack to; nothing is extracted to disk first. Outputs go to a new (or
empty) folder, file by file through :func:`atomic_output`. Images are
checked (two dates of one shape, one-band 0/255 change maps) and every
problem is an error naming the archive member or file.
"""
import os
import os.path as osp
import re
import zipfile
from collections import defaultdict
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import rasterio
from mmengine.logging import print_log
from mmengine.utils import track_iter_progress
from rasterio.enums import Resampling
from rasterio.warp import reproject

from rsfm.utils.atomic import atomic_output

#: The 13 Sentinel-2 L1C bands, in wavelength order (torchgeo's).
SENTINEL2_13 = ('B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08',
                'B8A', 'B09', 'B10', 'B11', 'B12')


class Source:
    """A zip archive or a folder, read by relative member path."""

    def __init__(self, path: str):
        self.path = path
        self.is_zip = zipfile.is_zipfile(path) if osp.isfile(path) else False
        if not self.is_zip and not osp.isdir(path):
            raise FileNotFoundError(f'{path} is neither a folder nor a zip '
                                    f'archive')
        self._zip = zipfile.ZipFile(path) if self.is_zip else None
        self._members = None

    def members(self) -> List[str]:
        """Relative paths of all files, '/'-separated (listed once)."""
        if self._members is None:
            if self.is_zip:
                names = [n for n in self._zip.namelist()
                         if not n.endswith('/')]
            else:
                names = []
                for root, _, files in os.walk(self.path):
                    rel = osp.relpath(root, self.path).replace(os.sep, '/')
                    names += [f if rel == '.' else f'{rel}/{f}'
                              for f in files]
            self._members = sorted(names)
        return self._members

    def read(self, member: str) -> bytes:
        if self.is_zip:
            return self._zip.read(member)
        with open(osp.join(self.path, member), 'rb') as f:
            return f.read()

    def raster(self, member: str) -> str:
        """A path rasterio opens (GDAL's /vsizip/ inside archives)."""
        if self.is_zip:
            return f'/vsizip/{osp.abspath(self.path)}/{member}'
        return osp.join(self.path, member)

    def where(self, member: str) -> str:
        return f'{self.path}!{member}' if self.is_zip \
            else osp.join(self.path, member)


def check_output_folder(out_dir: str) -> None:
    """Refuse an output folder that holds anything."""
    if osp.isdir(out_dir) and os.listdir(out_dir):
        raise FileExistsError(
            f'output folder {out_dir} is not empty; converters never write '
            f'over earlier outputs: choose a new folder')
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise FileExistsError(f'output {out_dir} is a file')


def _write_bytes(path: str, data: bytes) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with atomic_output(path) as tmp, open(tmp, 'wb') as f:
        f.write(data)


def _write_png(path: str, img: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with atomic_output(path) as tmp:
        if not cv2.imwrite(tmp, img):
            raise OSError(f'cannot write {path}')


def decode(data: bytes, where: str, gray: bool = False) -> np.ndarray:
    """Decode 8-bit PNG/JPG bytes: BGR as stored, or with ``gray`` one band
    (a grey image stored as equal colour bands, an alpha band dropped; a
    real colour image is an error naming ``where``)."""
    flag = cv2.IMREAD_UNCHANGED
    img = cv2.imdecode(np.frombuffer(data, np.uint8), flag) if data else None
    if img is None:
        raise ValueError(f'cannot decode {where}: empty, corrupt or not an '
                         f'image')
    if img.dtype != np.uint8:
        raise ValueError(f'{where} holds {img.dtype} values; 8-bit images '
                         f'are expected')
    if gray and img.ndim == 3:
        if img.shape[2] == 4:  # an alpha band: not part of the map
            img = img[..., :3]
        if not (img == img[..., :1]).all():
            raise ValueError(f'{where} is a colour image; a change map has '
                             f'one band (0 unchanged, 255 changed)')
        img = img[..., 0]
    return img


def binary_label(label: np.ndarray, where: str,
                 threshold: Optional[int] = None) -> Tuple[np.ndarray, int]:
    """A 0/255 change map from ``label``: exact 0/255 (and 0/1) maps as
    they are; with ``threshold`` (JPEG-compressed maps) values >= it become
    255. Returns the map and the number of pixels that were neither 0 nor
    255 (thresholded)."""
    values = np.unique(label)
    if threshold is None:
        if set(values.tolist()) <= {0, 1}:
            return label.astype(np.uint8) * 255, 0
        if not set(values.tolist()) <= {0, 255}:
            raise ValueError(f'{where} holds values {values[:8].tolist()}; '
                             f'a change map holds 0 and 255')
        return label, 0
    fuzzy = int(((label > 0) & (label < 255)).sum())
    return np.where(label >= threshold, 255, 0).astype(np.uint8), fuzzy


def load_pair(files: Dict[str, Tuple[Source, str]], label_kind: str,
              threshold: Optional[int] = None):
    """Read and check one pair; ``files`` maps ``'A'``, ``'B'`` and
    ``label_kind`` to ``(source, member)``.

    Returns:
        ``(raw bytes by kind, date 1, date 2, 0/255 label, pixels
        thresholded)``.
    """
    raw = {k: s.read(m) for k, (s, m) in files.items()}
    where = {k: s.where(m) for k, (s, m) in files.items()}
    a, b = decode(raw['A'], where['A']), decode(raw['B'], where['B'])
    label, fuzzy = binary_label(
        decode(raw[label_kind], where[label_kind], gray=True),
        where[label_kind], threshold)
    if a.shape != b.shape or a.shape[:2] != label.shape:
        raise ValueError(f'{where["A"]}: A {a.shape}, B {b.shape} and '
                         f'{label_kind} {label.shape} differ in size')
    return raw, a, b, label, fuzzy


def _summary(title: str, rows: Dict[str, Dict[str, object]]) -> str:
    lines = [title]
    for split, row in rows.items():
        fields = ', '.join(f'{k} {v}' for k, v in row.items())
        lines.append(f'  {split}: {fields}')
    text = '\n'.join(lines)
    print_log(text, logger='current')
    return text


# LEVIR-CD ------------------------------------------------------------------

LEVIR_SPLITS = ('train', 'val', 'test')
_LEVIR_MEMBER = re.compile(r'(?:^|/)(A|B|label)/([^/]+)\.png$')


def find_levir_pairs(sources: Sequence[Source]
                     ) -> Dict[str, Dict[str, Dict[str, Tuple[Source, str]]]]:
    """``{split: {name: {'A'|'B'|'label': (source, member)}}}`` from
    LEVIR-CD's ``train.zip``/``val.zip``/``test.zip`` (``A/``, ``B/``,
    ``label/`` with ``train_1.png``...) or folders ``{train,val,test}/{A,B,
    label}``. The split is the file-name prefix."""
    pairs = defaultdict(lambda: defaultdict(dict))
    for source in sources:
        for member in source.members():
            match = _LEVIR_MEMBER.search(member)
            if not match:
                continue
            kind, name = match.groups()
            split = name.split('_')[0]
            if split not in LEVIR_SPLITS:
                raise ValueError(f'{source.where(member)}: LEVIR-CD files '
                                 f'are named {{train,val,test}}_N.png')
            if kind in pairs[split][name]:
                raise ValueError(f'{name}.png/{kind} found twice: '
                                 f'{source.where(member)}')
            pairs[split][name][kind] = (source, member)
    for split, names in pairs.items():
        for name, kinds in names.items():
            missing = {'A', 'B', 'label'} - set(kinds)
            if missing:
                raise FileNotFoundError(
                    f'LEVIR-CD pair {name} has no {sorted(missing)} image '
                    f'(found {sorted(kinds)})')
    if not pairs:
        raise FileNotFoundError(
            f'no LEVIR-CD A/B/label PNGs in {[s.path for s in sources]}')
    return pairs


def convert_levir_cd(sources: Sequence[str], out_dir: str,
                     crop_size: int = 256,
                     whole_splits: Sequence[str] = ('val', 'test')) -> str:
    """LEVIR-CD -> ``out_dir/crop_{S}/{split}/{A,B,label}/NAME_R_C.png``
    (non-overlapping ``S x S`` crops, row ``R`` and column ``C``) and
    ``out_dir/whole/{split}/{A,B,label}/NAME.png`` for ``whole_splits``
    (the images as released, labels as one-band 0/255 PNG).

    Returns:
        The summary printed.
    """
    check_output_folder(out_dir)
    bad = set(whole_splits) - set(LEVIR_SPLITS)
    if bad:
        raise ValueError(f'whole_splits {sorted(bad)} are not LEVIR-CD '
                         f'splits {LEVIR_SPLITS}')
    pairs = find_levir_pairs([Source(s) for s in sources])
    rows = {}
    for split in LEVIR_SPLITS:
        if split not in pairs:
            continue
        crops, changed, total = 0, 0, 0
        for name in track_iter_progress(sorted(pairs[split])):
            raw, a, b, label, _ = load_pair(pairs[split][name], 'label')
            h, w = label.shape
            if h % crop_size or w % crop_size:
                source, member = pairs[split][name]['A']
                raise ValueError(
                    f'{source.where(member)} is {h} x {w}, not a multiple of '
                    f'crop_size {crop_size}: choose a crop size that tiles '
                    f'it')
            changed += int((label == 255).sum())
            total += label.size
            root = osp.join(out_dir, f'crop_{crop_size}', split)
            for r in range(h // crop_size):
                for c in range(w // crop_size):
                    window = (slice(r * crop_size, (r + 1) * crop_size),
                              slice(c * crop_size, (c + 1) * crop_size))
                    for kind, img in (('A', a), ('B', b), ('label', label)):
                        _write_png(osp.join(root, kind,
                                            f'{name}_{r}_{c}.png'),
                                   img[window])
                    crops += 1
            if split in whole_splits:
                root = osp.join(out_dir, 'whole', split)
                _write_bytes(osp.join(root, 'A', f'{name}.png'), raw['A'])
                _write_bytes(osp.join(root, 'B', f'{name}.png'), raw['B'])
                _write_png(osp.join(root, 'label', f'{name}.png'), label)
        rows[split] = dict(pairs=len(pairs[split]),
                           crops=crops,
                           whole='yes' if split in whole_splits else 'no',
                           changed=f'{100 * changed / max(total, 1):.2f}%')
    return _summary(f'LEVIR-CD written to {out_dir}:', rows)


# CDD -----------------------------------------------------------------------

CDD_SPLITS = ('train', 'val', 'test')
_CDD_MEMBER = re.compile(
    r'(?:^|/)Real/subset/(train|val|test)/(A|B|OUT)/([^/]+)\.(jpg|png|bmp)$')


def convert_cdd(source: str, out_dir: str, threshold: int = 128) -> str:
    """CDD (``ChangeDetectionDataset.zip`` or the folder it unpacks to) ->
    ``out_dir/{split}/{A,B}/NAME.jpg`` (the release's files, byte for byte)
    and ``out_dir/{split}/label/NAME.png``: the JPEG ``OUT`` masks
    thresholded at ``threshold`` to exact 0/255. The synthetic ``Model/``
    part is not converted.

    Returns:
        The summary printed (with the share of label pixels that JPEG
        compression had left between 0 and 255).
    """
    check_output_folder(out_dir)
    src = Source(source)
    pairs = defaultdict(lambda: defaultdict(dict))
    for member in src.members():
        match = _CDD_MEMBER.search(member)
        if match:
            split, kind, name, _ = match.groups()
            pairs[split][name][kind] = member
    if not pairs:
        raise FileNotFoundError(f'no Real/subset/{{train,val,test}}/{{A,B,'
                                f'OUT}} images in {source}')
    rows = {}
    for split in CDD_SPLITS:
        if split not in pairs:
            continue
        changed, fuzzy, total = 0, 0, 0
        for name in track_iter_progress(sorted(pairs[split])):
            kinds = pairs[split][name]
            missing = {'A', 'B', 'OUT'} - set(kinds)
            if missing:
                raise FileNotFoundError(
                    f'CDD {split} pair {name} has no {sorted(missing)} image '
                    f'in {source}')
            raw, a, b, label, n_fuzzy = load_pair(
                {k: (src, m) for k, m in kinds.items()}, 'OUT', threshold)
            root = osp.join(out_dir, split)
            ext = osp.splitext(kinds['A'])[1]
            _write_bytes(osp.join(root, 'A', name + ext), raw['A'])
            _write_bytes(osp.join(root, 'B', name + ext), raw['B'])
            _write_png(osp.join(root, 'label', f'{name}.png'), label)
            changed += int((label == 255).sum())
            fuzzy += n_fuzzy
            total += label.size
        rows[split] = dict(
            pairs=len(pairs[split]),
            changed=f'{100 * changed / max(total, 1):.2f}%',
            thresholded=f'{100 * fuzzy / max(total, 1):.3f}% of label pixels')
    return _summary(f'CDD written to {out_dir} (labels thresholded at '
                    f'{threshold}):', rows)


# OSCD ----------------------------------------------------------------------

_OSCD_BAND = re.compile(r'(B\d\d|B8A)\.tif$')


def _find_root(sources: Iterable[Source], marker: str
               ) -> Tuple[Source, str]:
    """The source and folder prefix holding ``marker`` (e.g. train.txt)."""
    for source in sources:
        for member in source.members():
            if member == marker or member.endswith('/' + marker):
                return source, member[:-len(marker)]
    raise FileNotFoundError(f'no {marker} in {[s.path for s in sources]}')


def _oscd_cities(source: Source, prefix: str, split: str) -> List[str]:
    text = source.read(f'{prefix}{split}.txt').decode().strip()
    cities = [c.strip() for c in text.replace('\n', ',').split(',')
              if c.strip()]
    if not cities:
        raise ValueError(f'{source.where(prefix + split + ".txt")} lists no '
                         f'cities')
    return cities


def _oscd_bands(source: Source, folder: str) -> Dict[str, str]:
    bands = {}
    for member in source.members():
        if member.startswith(folder):
            match = _OSCD_BAND.search(member[len(folder):])
            if match and '/' not in member[len(folder):]:
                bands[match.group(1)] = member
    missing = [b for b in SENTINEL2_13 if b not in bands]
    if missing:
        raise FileNotFoundError(
            f'{source.where(folder)} has no band file(s) {missing} '
            f'(*_Bxx.tif); found {sorted(bands)}')
    return bands


def stack_bands(source: Source, members: Dict[str, str],
                bands: Sequence[str], reference: str,
                resampling: Resampling) -> Tuple[np.ndarray, dict]:
    """The ``bands`` (name -> member in ``members``) on the grid of band
    ``reference``: ``(len(bands), H, W)`` uint16 (coarser bands resampled
    with rasterio ``reproject``) and the GeoTIFF profile of that grid.
    Every band file must carry a georeference."""
    with rasterio.open(source.raster(members[reference])) as ref:
        if ref.crs is None:
            raise ValueError(f'{source.where(members[reference])} has no '
                             f'georeference; the raw band files carry one')
        grid = dict(crs=ref.crs, transform=ref.transform, height=ref.height,
                    width=ref.width)
    stack = np.zeros((len(bands), grid['height'], grid['width']), np.uint16)
    for i, band in enumerate(bands):
        with rasterio.open(source.raster(members[band])) as src:
            if src.crs is None:
                raise ValueError(f'{source.where(members[band])} has no '
                                 f'georeference')
            if (src.crs, src.transform, src.shape) == \
                    (grid['crs'], grid['transform'],
                     (grid['height'], grid['width'])):
                stack[i] = src.read(1)
            else:  # 20 m and 60 m bands onto the 10 m grid
                reproject(rasterio.band(src, 1), stack[i],
                          dst_transform=grid['transform'],
                          dst_crs=grid['crs'], resampling=resampling)
    profile = dict(driver='GTiff', count=len(bands), dtype='uint16',
                   compress='lzw', **grid)
    return stack, profile


def _oscd_date_stack(source: Source, folder: str, resampling: Resampling
                     ) -> Tuple[np.ndarray, dict]:
    """The 13 bands of one date on B04's 10 m grid ``(13, H, W)`` and the
    GeoTIFF profile of that grid."""
    return stack_bands(source, _oscd_bands(source, folder), SENTINEL2_13,
                       'B04', resampling)


def _oscd_dates(source: Source, city_dir: str) -> List[Optional[str]]:
    member = f'{city_dir}dates.txt'
    try:
        text = source.read(member).decode()
    except (KeyError, FileNotFoundError):
        return [None, None]
    dates = [line.split(':')[-1].strip() for line in text.splitlines()
             if line.strip()]
    return (dates + [None, None])[:2]


def write_geotiff(path: str, stack: np.ndarray, profile: dict,
                  date: Optional[str] = None,
                  bands: Sequence[str] = SENTINEL2_13) -> None:
    """Write ``stack`` with its band names as descriptions (and the
    acquisition date as a tag) through :func:`atomic_output`."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    with atomic_output(path) as tmp:
        with rasterio.open(tmp, 'w', **profile) as dst:
            dst.write(stack)
            for i, band in enumerate(bands, 1):
                dst.set_band_description(i, band)
            if date:
                dst.update_tags(ACQUISITION_DATE=date)


def convert_oscd(sources: Sequence[str], out_dir: str,
                 resampling: str = 'bilinear') -> str:
    """OSCD (its three archives, or the folders they unpack to) ->
    ``out_dir/{train,test}/{A,B}/CITY.tif`` and ``label/CITY.png``.

    The images are read from the raw ``imgs_1``/``imgs_2`` band files,
    which carry the georeference: the 20 m and 60 m bands are resampled
    onto B04's 10 m grid with rasterio (``resampling``), and the 13 bands
    are written as one uint16 GeoTIFF per date with band descriptions
    ``B01`` ... ``B12`` (wavelength order, ``B8A`` after ``B08``), the
    grid's CRS and transform, and the acquisition date of ``dates.txt``.
    Cities and splits come from ``train.txt``/``test.txt``; change maps
    from ``<city>/cm/cm.png`` of the label archives, as one-band 0/255 PNG.

    Returns:
        The summary printed (with the changed share of the training
        labels and SpectralGPT's class weights from it).
    """
    check_output_folder(out_dir)
    if resampling not in ('nearest', 'bilinear', 'cubic'):
        raise ValueError(f"resampling must be 'nearest', 'bilinear' or "
                         f"'cubic', got {resampling!r}")
    method = getattr(Resampling, resampling)
    sources = [Source(s) for s in sources]
    images, prefix = _find_root(sources, 'train.txt')
    rows = {}
    for split in ('train', 'test'):
        cities = _oscd_cities(images, prefix, split)
        label_members = {}
        for source in sources:
            for member in source.members():
                for city in cities:
                    if member.endswith(f'{city}/cm/cm.png'):
                        label_members[city] = (source, member)
        missing = [c for c in cities if c not in label_members]
        if missing:
            raise FileNotFoundError(
                f'no change map <city>/cm/cm.png for {split} cities '
                f'{missing} (give the OSCD {split.title()} Labels archive)')
        changed, total, sizes = 0, 0, []
        for city in track_iter_progress(cities):
            city_dir = f'{prefix}{city}/'
            dates = _oscd_dates(images, city_dir)
            stacks = [_oscd_date_stack(images, f'{city_dir}imgs_{d}/', method)
                      for d in (1, 2)]
            shape = stacks[0][0].shape[1:]
            if stacks[1][0].shape[1:] != shape:
                raise ValueError(f'OSCD {city}: the two dates are '
                                 f'{shape} and {stacks[1][0].shape[1:]}')
            source, member = label_members[city]
            label, _ = binary_label(
                decode(source.read(member), source.where(member), gray=True),
                source.where(member))
            if label.shape != shape:
                raise ValueError(f'{source.where(member)} is {label.shape} '
                                 f'but the images of {city} are {shape}')
            for kind, (stack, profile), date in zip('AB', stacks, dates):
                write_geotiff(osp.join(out_dir, split, kind, f'{city}.tif'),
                              stack, profile, date)
            _write_png(osp.join(out_dir, split, 'label', f'{city}.png'),
                       label)
            changed += int((label == 255).sum())
            total += label.size
            sizes.append(f'{shape[0]}x{shape[1]}')
        share = changed / max(total, 1)
        rows[split] = dict(cities=len(cities),
                           changed=f'{100 * share:.2f}%',
                           sizes=' '.join(sizes))
        if split == 'train':
            rows[split]['SpectralGPT class weights [20p, 2(1-p)]'] = \
                f'[{20 * share:.4f}, {2 * (1 - share):.4f}]'
    return _summary(f'OSCD written to {out_dir} ({resampling} resampling '
                    f'to 10 m):', rows)
