"""Bitemporal change-detection datasets: LEVIR-CD, CDD and OSCD in the
layouts their converters write (``tools/dataset_converters/{levir_cd,cdd,
oscd}.py``)."""
import os
import os.path as osp
from typing import List

import mmengine
from mmseg.datasets import BaseSegDataset

from rsfm.registry import DATASETS


class BaseCDDataset(BaseSegDataset):
    """Pairs ``img_path_from/NAME{img_suffix}`` (date 1),
    ``img_path_to/NAME{img_suffix}`` (date 2) and
    ``seg_map_path/NAME{seg_map_suffix}`` (the change map), as open-cd's
    ``_BaseCDDataset`` (same ``data_prefix`` keys)::

        data_root/
          train/A/NAME.png  train/B/NAME.png  train/label/NAME.png

    ``ann_file`` (optional) lists the ``NAME``s to use, one per line;
    without it the three folders must hold the same names. A date or label
    missing is an error naming it, never a silently skipped sample. Change maps
    hold 0 (unchanged) and 255 (changed); ``format_seg_map='to_binary'``
    (the default) maps values < 128 to 0 and the rest to 1 when loading
    (``rsfm.MultiImgLoadAnnotations``).

    ``img_path`` of a sample is the list ``[date 1, date 2]``.
    """
    METAINFO = dict(
        classes=('unchanged', 'changed'),
        palette=[[0, 0, 0], [255, 255, 255]])

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 format_seg_map: str = 'to_binary',
                 data_prefix: dict = dict(
                     img_path_from='A', img_path_to='B',
                     seg_map_path='label'),
                 **kwargs):
        if format_seg_map not in ('to_binary', None):
            raise ValueError(f"format_seg_map must be 'to_binary' or None, "
                             f'got {format_seg_map!r}')
        self.format_seg_map = format_seg_map
        super().__init__(img_suffix=img_suffix,
                         seg_map_suffix=seg_map_suffix,
                         data_prefix=data_prefix, **kwargs)

    def _listed(self, folder: str, suffix: str) -> set:
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'{type(self).__name__}: folder {folder} does not exist '
                f'(data_root + data_prefix); convert the dataset with its '
                f'tools/dataset_converters script')
        return {f[:-len(suffix)] for f in os.listdir(folder)
                if f.endswith(suffix)}

    def _names(self, folders: dict) -> List[str]:
        """The pair names: from ``ann_file``, else those in the date-1
        folder, which must be the names in every folder."""
        if self.ann_file:
            if not osp.isfile(self.ann_file):
                raise FileNotFoundError(
                    f'{type(self).__name__}: ann_file {self.ann_file} does '
                    f'not exist')
            return [line.strip() for line in mmengine.list_from_file(
                self.ann_file) if line.strip()]
        found = {folder: self._listed(folder, suffix)
                 for folder, suffix in folders.items()}
        names = next(iter(found.values()))
        for folder, other in found.items():
            if other != names:
                odd = sorted(names ^ other)
                raise FileNotFoundError(
                    f'{type(self).__name__}: the folders {list(found)} do '
                    f'not hold the same pairs; {len(odd)} name(s) are in '
                    f'some but not all, e.g. {odd[:5]} (check {folder})')
        if not names:
            raise FileNotFoundError(
                f'{type(self).__name__}: no *{self.img_suffix} images in '
                f'{list(folders)[0]}')
        return sorted(names)

    def load_data_list(self) -> List[dict]:
        dir_from = self.data_prefix.get('img_path_from')
        dir_to = self.data_prefix.get('img_path_to')
        ann_dir = self.data_prefix.get('seg_map_path')
        if dir_from is None or dir_to is None:
            raise KeyError(f'{type(self).__name__} needs data_prefix keys '
                           f'img_path_from and img_path_to, got '
                           f'{sorted(self.data_prefix)}')
        folders = {dir_from: self.img_suffix, dir_to: self.img_suffix}
        if ann_dir is not None:
            folders[ann_dir] = self.seg_map_suffix
        data_list = []
        for name in self._names(folders):
            paths = [osp.join(dir_from, name + self.img_suffix),
                     osp.join(dir_to, name + self.img_suffix)]
            info = dict(img_path=paths)
            if ann_dir is not None:
                info['seg_map_path'] = osp.join(ann_dir,
                                                name + self.seg_map_suffix)
                paths = paths + [info['seg_map_path']]
            missing = [p for p in paths if not osp.isfile(p)]
            if missing:
                raise FileNotFoundError(
                    f'{type(self).__name__}: pair {name!r} is incomplete, '
                    f'missing {missing}')
            info.update(label_map=self.label_map,
                        reduce_zero_label=self.reduce_zero_label,
                        format_seg_map=self.format_seg_map, seg_fields=[])
            data_list.append(info)
        return data_list


@DATASETS.register_module()
class LEVIRCDDataset(BaseCDDataset):
    """LEVIR-CD (Chen and Shi, Remote Sensing 2020,
    https://justchenhao.github.io/LEVIR/): 637 pairs of 1024 x 1024 RGB
    Google Earth images at 0.5 m with 0/255 building-change masks.
    ``tools/dataset_converters/levir_cd.py`` writes ``crop_256/{train,val,
    test}/{A,B,label}`` (non-overlapping 256 crops) and ``whole/{val,test}/
    {A,B,label}`` (the 1024 images) as PNG."""


@DATASETS.register_module()
class CDDDataset(BaseCDDataset):
    """CDD, the season-varying change detection dataset (Lebedev et al.,
    ISPRS Archives 2018): 16000 pairs of 256 x 256 RGB crops.
    ``tools/dataset_converters/cdd.py`` writes ``{train,val,test}/{A,B}``
    (the release's JPEGs, unchanged) and ``{train,val,test}/label`` (the
    JPEG ``OUT`` masks thresholded to exact 0/255 PNG)."""

    def __init__(self, img_suffix: str = '.jpg', **kwargs):
        super().__init__(img_suffix=img_suffix, **kwargs)


@DATASETS.register_module()
class OSCDDataset(BaseCDDataset):
    """Onera Satellite Change Detection (Daudt et al., IGARSS 2018,
    https://rcdaudt.github.io/oscd/): 24 city pairs of Sentinel-2 L1C
    images, 13 bands, with 0/255 urban-change maps.
    ``tools/dataset_converters/oscd.py`` writes ``{train,test}/{A,B}/
    CITY.tif`` (13-band uint16 GeoTIFF at 10 m, band descriptions
    ``B01`` ... ``B12``, ``B8A``; georeferenced) and ``{train,test}/label/
    CITY.png``. Read the images with ``rsfm.MultiImgLoadMultiBandImage
    (bands=...)``, which picks the model's bands by name."""

    def __init__(self, img_suffix: str = '.tif', **kwargs):
        super().__init__(img_suffix=img_suffix, **kwargs)
