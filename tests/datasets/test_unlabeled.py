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


def test_sentinel_collection_min_max(unlabeled_root):
    """fMoW-Sentinel-like 13-band files: B10 dropped by name, each band of
    the image scaled to [0, 1] by its own min and max."""
    import numpy as np

    from rsfm.datasets import LoadMultiBandImage, MinMaxNormalize
    data = UnlabeledImageDataset(data_root=unlabeled_root,
                                 data_prefix=dict(img_path='sentinel'),
                                 extensions=('.tif', ))
    assert len(data) == 3
    names = ('B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A',
             'B09', 'B10', 'B11', 'B12')
    bands = tuple(b for b in names if b != 'B10')
    results = LoadMultiBandImage(bands=bands, file_bands=names)(
        dict(img_path=data[0]['img_path']))
    raw = results['img'].astype(np.float64)
    out = MinMaxNormalize()(results)['img']
    assert out.shape[-1] == 12 and out.dtype == np.float32
    low, high = raw.min(axis=(0, 1)), raw.max(axis=(0, 1))
    np.testing.assert_allclose(out, (raw - low) / (high - low + 1e-10),
                               rtol=1e-6)
