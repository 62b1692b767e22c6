"""DIOR-R as released, through mmrotate's DIOR reader with clear errors."""
import os.path as osp

from mmrotate.datasets import DIORDataset

from rsfm.registry import DATASETS


@DATASETS.register_module()
class DIORRDataset(DIORDataset):
    """DIOR-R (Cheng et al., "Anchor-free oriented proposal generator for
    object detection", TGRS 2022): 23,463 800x800 images of DIOR with
    oriented boxes of 20 classes, in the release's layout::

        data_root/JPEGImages-trainval/00001.jpg ...   (train + val images)
        data_root/JPEGImages-test/11726.jpg ...
        data_root/Annotations/Oriented Bounding Boxes/00001.xml ...
        data_root/ImageSets/Main/{train,val,test}.txt (one id per line)

    mmrotate's ``DIORDataset`` reads it (``robndbox`` corners, class names
    lower-cased, so the release's ``Expressway-Service-area`` matches);
    every object counts (``<difficult>`` is not read, as in mmrotate's and
    SMLFR's DIOR-R protocol). rsfm adds what its reader lacks: the split
    file, the image and the XML of each id must exist, and a class name
    outside the 20 is an error naming the XML, not a bare ``KeyError``.
    """

    def load_data_list(self):
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'DIOR-R split file {self.ann_file} does not exist '
                f'(data_root + ann_file, e.g. ImageSets/Main/train.txt)')
        return super().load_data_list()

    def parse_data_info(self, img_info: dict) -> dict:
        xml = img_info['xml_path']
        if not osp.isfile(xml):
            raise FileNotFoundError(
                f'DIOR-R image {img_info["img_id"]} has no annotation {xml} '
                f'(ann_subdir {self.ann_subdir!r})')
        image = osp.join(self.data_prefix['img_path'], img_info['file_name'])
        if not osp.isfile(image):
            raise FileNotFoundError(
                f'DIOR-R image {image} of split {self.ann_file} does not '
                f'exist (data_prefix.img_path: JPEGImages-trainval for train '
                f'and val, JPEGImages-test for test)')
        try:
            return super().parse_data_info(img_info)
        except KeyError as e:
            raise ValueError(
                f'{xml} names class {e.args[0]!r}, not one of the '
                f'{len(self.metainfo["classes"])} DIOR-R classes '
                f'{self.metainfo["classes"]}') from None
