"""DOTA v1.0 for mmrotate: the dataset class.

Imports mmrotate: configs name this module in ``custom_imports``
(``rsfm.datasets.rotated``); :mod:`rsfm.datasets` itself stays host-free.
"""
import glob
import os.path as osp
from typing import List

from mmrotate.datasets import DOTADataset as _MMRotateDOTADataset

from rsfm.registry import DATASETS
from ..dota_labels import load_dota_labels


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
