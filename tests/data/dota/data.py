"""Seeded generator of a tiny DOTA v1.0 in its real on-disk layouts.

``make_raw(root)`` writes raw scenes as the DOTA release has them::

    root/train/images/P0000.png, P0001.png   root/train/labelTxt/P0000.txt ...
    root/val/images/P0002.png                root/val/labelTxt/P0002.txt
    root/test/images/P0003.png               (no labels)

Label files carry the ``imagesource:``/``gsd:`` header lines; objects use
DOTA v1.0 class names and both difficulty flags; P0001's label file is empty
(a scene without objects, header included as in DOTA).

``make_split(root)`` writes the patch layout a splitter produces (and the
configs read)::

    root/trainval/images/P0000__64__0___0.png   root/trainval/annfiles/...txt
    root/test/images/P0003__64__0___0.png

with header-less label files, one of them empty.

    python tests/data/dota/data.py OUT_DIR    # writes OUT_DIR/{raw,split_ss_dota}
"""
import os
import os.path as osp
import sys

import cv2
import numpy as np

CLASSES = ('plane', 'baseball-diamond', 'bridge', 'ground-track-field',
           'small-vehicle', 'large-vehicle', 'ship', 'tennis-court',
           'basketball-court', 'storage-tank', 'soccer-ball-field',
           'roundabout', 'harbor', 'swimming-pool', 'helicopter')


def _rotated_box(rng, width, height, margin=4):
    """A random rotated rectangle inside the image, as 8 coordinates."""
    w, h = rng.uniform(8, 24, size=2)
    cx = rng.uniform(margin + 12, width - margin - 12)
    cy = rng.uniform(margin + 12, height - margin - 12)
    angle = rng.uniform(0, np.pi)
    corners = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
    rot = np.array([[np.cos(angle), -np.sin(angle)],
                    [np.sin(angle), np.cos(angle)]])
    return (corners @ rot.T + [cx, cy]).ravel()


def _draw(img, poly, color):
    cv2.fillPoly(img, [np.round(poly.reshape(4, 2)).astype(np.int32)], color)


def _objects(rng, width, height, num):
    objs = []
    for i in range(num):
        poly = _rotated_box(rng, width, height)
        objs.append((poly, CLASSES[i % 3], int(i == num - 1)))
    return objs


def _write_labels(path, objs, header):
    lines = ['imagesource:GoogleEarth', 'gsd:0.146343590398'] if header \
        else []
    lines += [' '.join(f'{v:.1f}' for v in poly) + f' {cls} {diff}'
              for poly, cls, diff in objs]
    with open(path, 'w') as f:
        f.write(''.join(line + '\n' for line in lines))


def _scene(rng, width, height, objs):
    img = rng.integers(60, 120, size=(height, width, 3), dtype=np.uint8)
    for poly, cls, _ in objs:
        _draw(img, poly, (40 * (CLASSES.index(cls) + 2), 200, 255))
    return img


def make_raw(root, seed=0):
    """Write raw DOTA scenes under ``root``; return their folder paths."""
    rng = np.random.default_rng(seed)
    scenes = {'train': [('P0000', 150, 120, 4), ('P0001', 96, 80, 0)],
              'val': [('P0002', 100, 130, 3)],
              'test': [('P0003', 90, 70, 2)]}
    for split, items in scenes.items():
        os.makedirs(osp.join(root, split, 'images'), exist_ok=True)
        if split != 'test':
            os.makedirs(osp.join(root, split, 'labelTxt'), exist_ok=True)
        for name, width, height, num in items:
            objs = _objects(rng, width, height, num)
            cv2.imwrite(osp.join(root, split, 'images', name + '.png'),
                        _scene(rng, width, height, objs))
            if split == 'test':
                continue
            label = osp.join(root, split, 'labelTxt', name + '.txt')
            if num == 0:
                open(label, 'w').close()
            else:
                _write_labels(label, objs, header=True)
    return {split: osp.join(root, split) for split in scenes}


def make_split(root, seed=1, size=64):
    """Write split patches (``size`` px) under ``root``."""
    rng = np.random.default_rng(seed)
    patches = {'trainval': [('P0000', 0, 0, 3), ('P0000', 36, 0, 2),
                            ('P0002', 0, 36, 0)],
               'test': [('P0003', 0, 0, 0), ('P0003', 26, 6, 0)]}
    for split, items in patches.items():
        os.makedirs(osp.join(root, split, 'images'), exist_ok=True)
        if split != 'test':
            os.makedirs(osp.join(root, split, 'annfiles'), exist_ok=True)
        for scene, x, y, num in items:
            name = f'{scene}__{size}__{x}___{y}'
            objs = _objects(rng, size, size, num)
            cv2.imwrite(osp.join(root, split, 'images', name + '.png'),
                        _scene(rng, size, size, objs))
            if split != 'test':
                _write_labels(
                    osp.join(root, split, 'annfiles', name + '.txt'), objs,
                    header=False)
    return root


if __name__ == '__main__':
    out = sys.argv[1]
    make_raw(osp.join(out, 'raw'))
    make_split(osp.join(out, 'split_ss_dota'))
    print(f'wrote {out}/raw and {out}/split_ss_dota')
