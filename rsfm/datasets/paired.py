"""Remote-sensing images paired with labelled natural images (GeRSP)."""
from typing import List, Sequence, Union

from mmengine.dataset import BaseDataset, Compose
from torch.utils.data import Dataset

from rsfm.registry import DATASETS


@DATASETS.register_module()
class PairedDataset(Dataset):
    """Sample ``i`` pairs item ``i % len(unlabeled)`` of an unlabeled
    remote-sensing dataset with item ``i % len(labeled)`` of a labelled
    natural-image dataset; the length is the longer of the two, so the
    shorter one repeats (GeRSP's ``MultiViewDACPDataset``: MillionAID with
    ImageNet-1k).

    Each side runs its own pipeline (e.g. ``MultiView`` with 2 views for
    the unlabeled side, 1 view for the labelled side); the sample is
    ``img`` = the unlabeled side's views followed by the labelled image(s),
    and the labelled side's ``gt_label``; ``pipeline`` then packs it
    (``PackInputs``). The pairing depends only on the two datasets' orders,
    which rsfm's and mmpretrain's folder datasets sort, never on the
    filesystem's listing order (GeRSP lists with an unsorted
    ``os.listdir``).

    Args:
        unlabeled: Dataset (config) of the remote-sensing images.
        labeled: Dataset (config) of the natural images with ``gt_label``.
        pipeline: Transforms of the joined sample.
        lazy_init: Build the sub-datasets' data lists on first use.
    """

    def __init__(self, unlabeled: Union[dict, BaseDataset],
                 labeled: Union[dict, BaseDataset],
                 pipeline: Sequence[dict] = (), lazy_init: bool = False):
        self.unlabeled = DATASETS.build(unlabeled) \
            if isinstance(unlabeled, dict) else unlabeled
        self.labeled = DATASETS.build(labeled) \
            if isinstance(labeled, dict) else labeled
        self.pipeline = Compose(list(pipeline))
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """The labelled side's classes."""
        return self.labeled.metainfo

    def full_init(self) -> None:
        for side in (self.unlabeled, self.labeled):
            if hasattr(side, 'full_init'):
                side.full_init()
        for name, side in (('unlabeled', self.unlabeled),
                           ('labeled', self.labeled)):
            if len(side) == 0:
                raise ValueError(f'PairedDataset: the {name} dataset '
                                 f'{type(side).__name__} is empty')
        self._fully_initialized = True

    def __len__(self) -> int:
        if not self._fully_initialized:
            self.full_init()
        return max(len(self.unlabeled), len(self.labeled))

    @staticmethod
    def _images(item: dict) -> List:
        img = item['img']
        return list(img) if isinstance(img, (list, tuple)) else [img]

    def __getitem__(self, index: int) -> dict:
        if not self._fully_initialized:
            self.full_init()
        rs = self.unlabeled[index % len(self.unlabeled)]
        natural = self.labeled[index % len(self.labeled)]
        if 'gt_label' not in natural:
            raise KeyError(f'PairedDataset: item {index % len(self.labeled)} '
                           f'of the labeled dataset has no gt_label')
        results = dict(img=self._images(rs) + self._images(natural),
                       gt_label=natural['gt_label'],
                       img_path=rs.get('img_path'),
                       labeled_img_path=natural.get('img_path'))
        return self.pipeline(results)
