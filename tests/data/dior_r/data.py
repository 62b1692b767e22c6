"""Seeded generator of a tiny DIOR-R in the release's layout::

    root/JPEGImages-trainval/00001.jpg ...    (train and val images)
    root/JPEGImages-test/00005.jpg ...
    root/Annotations/Oriented Bounding Boxes/00001.xml ...
    root/Annotations/Horizontal Bounding Boxes/00001.xml ...
    root/ImageSets/Main/{train,val,test}.txt

The oriented XML follows the release's schema (``<object><type>robndbox``,
``<name>``, ``<difficult>``, ``<robndbox>`` with the four corners
``x_left_top`` ... ``y_left_bottom``, ``<angle>``), with its class spellings
(``Expressway-Service-area``). Images are ``size`` pixels (the release:
800).

    python tests/data/dior_r/data.py OUT_DIR
"""
import os
import os.path as osp
import sys

import cv2
import numpy as np

CLASSES = ('airplane', 'airport', 'baseballfield', 'basketballcourt',
           'bridge', 'chimney', 'dam', 'Expressway-Service-area',
           'Expressway-toll-station', 'golffield', 'groundtrackfield',
           'harbor', 'overpass', 'ship', 'stadium', 'storagetank',
           'tenniscourt', 'trainstation', 'vehicle', 'windmill')
SPLITS = dict(train=('00001', '00002'), val=('00003', ),
              test=('00004', '00005'))


def _corners(rng, size):
    """A rotated rectangle inside the image: 4 corners, clockwise from the
    top left."""
    cx, cy = rng.uniform(size * 0.3, size * 0.7, 2)
    w, h = rng.uniform(size * 0.1, size * 0.25, 2)
    angle = rng.uniform(0, np.pi / 2)
    c, s = np.cos(angle), np.sin(angle)
    offsets = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
    return [(cx + x * c - y * s, cy + x * s + y * c) for x, y in offsets]


def _xml(img_id, size, objects):
    parts = [
        '<annotation>', '\t<folder>JPEGImages</folder>',
        f'\t<filename>{img_id}.jpg</filename>',
        '\t<source><database>Unknown</database></source>',
        f'\t<size><width>{size}</width><height>{size}</height>'
        '<depth>3</depth></size>', '\t<segmented>0</segmented>'
    ]
    for name, corners in objects:
        keys = ('left_top', 'right_top', 'right_bottom', 'left_bottom')
        box = ''.join(f'<x_{k}>{x:.0f}</x_{k}><y_{k}>{y:.0f}</y_{k}>'
                      for k, (x, y) in zip(keys, corners))
        parts += [
            '\t<object>', '\t\t<type>robndbox</type>',
            f'\t\t<name>{name}</name>', '\t\t<pose>Unspecified</pose>',
            '\t\t<truncated>0</truncated>', '\t\t<difficult>0</difficult>',
            f'\t\t<robndbox>{box}</robndbox>', '\t\t<angle>0</angle>',
            '\t</object>'
        ]
    return '\n'.join(parts + ['</annotation>']) + '\n'


def _hbb_xml(img_id, size, objects):
    parts = [f'<annotation><filename>{img_id}.jpg</filename><size><width>'
             f'{size}</width><height>{size}</height><depth>3</depth></size>']
    for name, corners in objects:
        xs, ys = zip(*corners)
        parts.append(f'<object><name>{name}</name><bndbox><xmin>{min(xs):.0f}'
                     f'</xmin><ymin>{min(ys):.0f}</ymin><xmax>{max(xs):.0f}'
                     f'</xmax><ymax>{max(ys):.0f}</ymax></bndbox></object>')
    return ''.join(parts) + '</annotation>\n'


def make_dior_r(root, seed=0, size=64):
    """Write the tiny release under ``root``; returns ``root``."""
    rng = np.random.default_rng(seed)
    obb = osp.join(root, 'Annotations', 'Oriented Bounding Boxes')
    hbb = osp.join(root, 'Annotations', 'Horizontal Bounding Boxes')
    main = osp.join(root, 'ImageSets', 'Main')
    for folder in (obb, hbb, main):
        os.makedirs(folder, exist_ok=True)
    for split, ids in SPLITS.items():
        images = osp.join(root, 'JPEGImages-test' if split == 'test'
                          else 'JPEGImages-trainval')
        os.makedirs(images, exist_ok=True)
        with open(osp.join(main, f'{split}.txt'), 'w') as f:
            f.write('\n'.join(ids) + '\n')
        for img_id in ids:
            img = rng.integers(40, 90, (size, size, 3)).astype(np.uint8)
            objects = []
            # the release's two mixed-case names appear in every image
            names = ['Expressway-Service-area', 'Expressway-toll-station'] + \
                list(rng.choice(CLASSES[:7], 1))
            for name in names:
                corners = _corners(rng, size)
                cv2.fillPoly(img, [np.array(corners, np.int32)],
                             [int(v) for v in rng.integers(150, 255, 3)])
                objects.append((str(name), corners))
            cv2.imwrite(osp.join(images, f'{img_id}.jpg'), img)
            with open(osp.join(obb, f'{img_id}.xml'), 'w') as f:
                f.write(_xml(img_id, size, objects))
            with open(osp.join(hbb, f'{img_id}.xml'), 'w') as f:
                f.write(_hbb_xml(img_id, size, objects))
    return root


if __name__ == '__main__':
    print(make_dior_r(sys.argv[1]))
