"""rsfm.DIORRDataset on the release layout."""
import os
import os.path as osp

import pytest
from mmengine.registry import init_default_scope

from tests.data.dior_r.data import make_dior_r


@pytest.fixture(autouse=True)
def mmrotate_scope():
    init_default_scope('mmrotate')


def _dataset(root, split='train', **kwargs):
    from rsfm.datasets.rotated import DIORRDataset
    images = 'JPEGImages-test' if split == 'test' else 'JPEGImages-trainval'
    return DIORRDataset(data_root=root,
                        ann_file=f'ImageSets/Main/{split}.txt',
                        data_prefix=dict(img_path=images), **kwargs)


def test_reads_the_release(dior_r_root):
    train, test = _dataset(dior_r_root), _dataset(dior_r_root, 'test')
    assert len(train) == 2 and len(test) == 2
    info = train.get_data_info(0)
    assert info['img_path'].endswith('JPEGImages-trainval/00001.jpg')
    assert len(info['instances']) == 3
    assert info['instances'][0]['bbox'].shape == (8, )
    assert len(train.metainfo['classes']) == 20
    # the release's mixed-case spellings are matched
    names = set()
    for split in ('train', 'val', 'test'):
        for i in range(len(_dataset(dior_r_root, split))):
            for obj in _dataset(dior_r_root, split).get_data_info(i)[
                    'instances']:
                names.add(train.metainfo['classes'][obj['bbox_label']])
    assert {'expressway-service-area', 'expressway-toll-station'} <= names


def test_errors_name_the_file(tmp_path):
    root = make_dior_r(str(tmp_path / 'dior'))
    with pytest.raises(FileNotFoundError, match='split file .*nope.txt'):
        from rsfm.datasets.rotated import DIORRDataset
        DIORRDataset(data_root=root, ann_file='nope.txt',
                     data_prefix=dict(img_path='JPEGImages-trainval'))
    xml = osp.join(root, 'Annotations', 'Oriented Bounding Boxes',
                   '00002.xml')
    text = open(xml).read()
    with open(xml, 'w') as f:
        f.write(text.replace('<name>', '<name>x', 1))
    with pytest.raises(ValueError, match=r'00002.xml names class'):
        _dataset(root)
    os.remove(xml)
    with pytest.raises(FileNotFoundError, match='00002 has no annotation'):
        _dataset(root)
    os.remove(osp.join(root, 'JPEGImages-test', '00005.jpg'))
    with pytest.raises(FileNotFoundError, match='00005.jpg of split'):
        _dataset(root, 'test')
