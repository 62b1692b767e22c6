"""Seeded generator of tiny unlabeled pretraining collections: RGB image
files of several types in nested folders (one per source) as GeoPile and
MillionAID are distributed, plus a list file naming some of them; and
fMoW-Sentinel-like 13-band uint16 GeoTIFFs without band descriptions
(``sentinel/``); four labelled natural images in mmpretrain's ImageNet
layout (``imagenet/``, GeRSP's second branch); and BigEarthNet-S2 patches
as ``tools/dataset_converters/bigearthnet.py`` writes them from the raw
fixture (``bigearthnet/``).

    python tests/data/unlabeled/data.py OUT_DIR
"""
import os
import os.path as osp
import sys

import cv2
import numpy as np
import rasterio

from rsfm.datasets.bigearthnet_convert import convert_bigearthnet
from tests.data.bigearthnet.data import make_bigearthnet

#: folder -> file names (PNG, JPG, 3-band uint8 GeoTIFF)
LAYOUT = {'nwpu': ('airport_001.jpg', 'bridge_002.jpg'),
          'millionaid/agriculture': ('P0001.png', 'P0002.png'),
          'naip': ('m_3807504_ne_18_1.tif', )}

#: the first ImageNet-1k classes (labels 0, 1, 2)
IMAGENET_CLASSES = ('n01440764', 'n01443537', 'n01484850')


def _image(rng, size):
    coarse = rng.uniform(0, 255, (size // 8, size // 8, 3))
    return cv2.resize(coarse.astype(np.float32), (size, size)).astype(
        np.uint8)


def make_unlabeled(root: str, size: int = 96, seed: int = 0) -> str:
    """Write the collection under ``root/images`` and ``root/list.txt``;
    return ``root``."""
    rng = np.random.default_rng(seed)
    listed = []
    for folder, names in LAYOUT.items():
        os.makedirs(osp.join(root, 'images', folder), exist_ok=True)
        for name in names:
            img = _image(rng, size)
            path = osp.join(root, 'images', folder, name)
            if name.endswith('.tif'):
                with rasterio.open(path, 'w', driver='GTiff', width=size,
                                   height=size, count=3,
                                   dtype='uint8') as dst:
                    dst.write(img[..., ::-1].transpose(2, 0, 1))  # R, G, B
            else:
                cv2.imwrite(path, img)
            listed.append(f'{folder}/{name}')
    with open(osp.join(root, 'images', 'README.txt'), 'w') as f:
        f.write('not an image: the dataset skips it\n')
    with open(osp.join(root, 'list.txt'), 'w') as f:
        f.write('# one path per line\n' + '\n'.join(listed[:3]) + '\n')
    for folder, name in (('airport', '0_rgb.tif'), ('airport', '1_rgb.tif'),
                         ('farm', '0_rgb.tif')):
        os.makedirs(osp.join(root, 'sentinel', folder), exist_ok=True)
        bands = rng.integers(0, 10000, (13, size // 2, size // 2),
                             dtype=np.uint16)
        with rasterio.open(osp.join(root, 'sentinel', folder, name), 'w',
                           driver='GTiff', width=size // 2,
                           height=size // 2, count=13,
                           dtype='uint16') as dst:
            dst.write(bands)
    # ImageNet in mmpretrain's layout (train/<wnid>/*.JPEG, meta/train.txt)
    lines = []
    for label, wnid in enumerate(IMAGENET_CLASSES):
        os.makedirs(osp.join(root, 'imagenet', 'train', wnid), exist_ok=True)
        for k in range(2 if label == 0 else 1):
            name = f'{wnid}/{wnid}_{k + 1}.JPEG'
            cv2.imwrite(osp.join(root, 'imagenet', 'train', name),
                        _image(rng, size // 2 + 16 * label))
            lines.append(f'{name} {label}')
    os.makedirs(osp.join(root, 'imagenet', 'meta'), exist_ok=True)
    with open(osp.join(root, 'imagenet', 'meta', 'train.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    raw = make_bigearthnet(osp.join(root, 'bigearthnet_raw'), seed=seed)
    convert_bigearthnet(raw, osp.join(root, 'bigearthnet'))
    return root


if __name__ == '__main__':
    print(make_unlabeled(sys.argv[1]))
