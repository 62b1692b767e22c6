import os.path as osp

import pytest

from rsfm.datasets import LoadRGBImage, UnlabeledImageDataset


def test_folder_tree_and_list_file(unlabeled_root):
    tree = UnlabeledImageDataset(data_root=unlabeled_root,
                                 data_prefix=dict(img_path='images'))
    names = [osp.relpath(tree[i]['img_path'], osp.join(unlabeled_root,
                                                       'images'))
             for i in range(len(tree))]
    # every image of every folder, sorted; the README is not an image
    assert names == ['millionaid/agriculture/P0001.png',
                     'millionaid/agriculture/P0002.png',
                     'naip/m_3807504_ne_18_1.tif', 'nwpu/airport_001.jpg',
                     'nwpu/bridge_002.jpg']
    listed = UnlabeledImageDataset(
        data_root=unlabeled_root, data_prefix=dict(img_path='images'),
        ann_file='list.txt')
    assert len(listed) == 3
    img = LoadRGBImage()(dict(img_path=tree[2]['img_path']))['img']
    assert img.shape == (96, 96, 3)


def test_bad_collections_name_the_file(unlabeled_root, tmp_path):
    bad = tmp_path / 'list.txt'
    bad.write_text('nwpu/airport_001.jpg\nnwpu/missing.jpg\n')
    with pytest.raises(FileNotFoundError, match='list.txt line 2'):
        UnlabeledImageDataset(data_root=unlabeled_root,
                              data_prefix=dict(img_path='images'),
                              ann_file=str(bad))
    bad.write_text('README.txt\n')
    with pytest.raises(ValueError, match='line 1: README.txt is not an image'):
        UnlabeledImageDataset(data_root=unlabeled_root,
                              data_prefix=dict(img_path='images'),
                              ann_file=str(bad))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ValueError, match='no images'):
        UnlabeledImageDataset(data_root=str(tmp_path),
                              data_prefix=dict(img_path='empty'))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        UnlabeledImageDataset(data_root=str(tmp_path),
                              data_prefix=dict(img_path='nowhere'))
    corrupt = tmp_path / 'corrupt'
    corrupt.mkdir()
    (corrupt / 'broken.png').write_bytes(b'\x89PNG not really')
    data = UnlabeledImageDataset(data_root=str(tmp_path),
                                 data_prefix=dict(img_path='corrupt'))
    with pytest.raises(ValueError, match='broken.png'):
        LoadRGBImage()(dict(img_path=data[0]['img_path']))
