"""Unlabeled image collections for self-supervised pretraining."""
import os
import os.path as osp
from typing import List, Optional, Sequence

from mmengine.dataset import BaseDataset

from rsfm.registry import DATASETS

IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp')


@DATASETS.register_module()
class UnlabeledImageDataset(BaseDataset):
    """Images without labels, as GeoSense, GeoPile and MillionAID are
    distributed: every image file under ``data_root/data_prefix['img_path']``
    (any depth of folders, e.g. one per source or class, sorted), or the
    files named one per line, relative to that folder, in ``ann_file``.

    Each sample is ``dict(img_path=...)``; the pipeline loads it
    (``rsfm.LoadRGBImage`` or ``rsfm.LoadMultiBandImage``), so an
    unreadable file fails with its path. A listed file that does not exist,
    an empty folder or list, and files of other types in a list are errors.

    Args:
        data_root: Root of the collection.
        data_prefix: ``dict(img_path=FOLDER)`` under ``data_root``.
        ann_file: Optional list file (one relative path per line; blank
            lines and ``#`` comments skipped).
        extensions: Image file endings to collect (case-insensitive).
        **kwargs: mmengine ``BaseDataset`` arguments (``pipeline``,
            ``indices``, ``lazy_init``, ...).
    """

    METAINFO = dict(classes=None)

    def __init__(self, data_root: str = '',
                 data_prefix: Optional[dict] = None, ann_file: str = '',
                 extensions: Sequence[str] = IMAGE_EXTENSIONS, **kwargs):
        self.extensions = tuple(e.lower() for e in extensions)
        super().__init__(
            data_root=data_root, ann_file=ann_file,
            data_prefix=data_prefix or dict(img_path=''), **kwargs)

    def load_data_list(self) -> List[dict]:
        folder = self.data_prefix['img_path']
        if self.ann_file:
            paths = self._listed(folder)
        else:
            if not osp.isdir(folder):
                raise FileNotFoundError(f'image folder {folder} does not '
                                        f'exist')
            paths = sorted(
                osp.join(root, name)
                for root, dirs, names in os.walk(folder, followlinks=True)
                for name in names
                if name.lower().endswith(self.extensions))
        if not paths:
            raise ValueError(
                f'no images ({", ".join(self.extensions)}) in '
                f'{self.ann_file or folder}')
        return [dict(img_path=p) for p in paths]

    def _listed(self, folder: str) -> List[str]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'list file {self.ann_file} does not '
                                    f'exist')
        paths = []
        with open(self.ann_file) as f:
            for number, line in enumerate(f, 1):
                name = line.strip()
                if not name or name.startswith('#'):
                    continue
                path = osp.join(folder, name)
                where = f'{self.ann_file} line {number}'
                if not name.lower().endswith(self.extensions):
                    raise ValueError(
                        f'{where}: {name} is not an image file '
                        f'({", ".join(self.extensions)})')
                if not osp.isfile(path):
                    raise FileNotFoundError(f'{where}: {path} does not '
                                            f'exist')
                paths.append(path)
        return paths
