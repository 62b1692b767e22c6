"""Seeded generator of a tiny CDD (Lebedev et al. 2018) as the release
``ChangeDetectionDataset.zip``: ``ChangeDetectionDataset/Real/subset/
{train,val,test}/{A,B,OUT}/NNNNN.jpg`` (JPEG images and JPEG-compressed
one-band masks, whose values are only near 0 and 255) and a synthetic
``Model/`` part the converter skips; ``size`` pixels instead of 256.

    python tests/data/cdd/data.py OUT_DIR
"""
import os
import os.path as osp
import sys
import zipfile

import cv2
import numpy as np

from tests.data.change_pairs import change_pair

COUNTS = dict(train=3, val=2, test=2)


def make_raw(root, seed=0, size=64):
    """Write ``root/ChangeDetectionDataset.zip``; returns its path."""
    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    path = osp.join(root, 'ChangeDetectionDataset.zip')
    top = 'ChangeDetectionDataset'
    with zipfile.ZipFile(path, 'w') as zf:
        for split, count in COUNTS.items():
            for i in range(count):
                a, b, label = change_pair(rng, size, size)
                for kind, img in (('A', a), ('B', b), ('OUT', label)):
                    ok, data = cv2.imencode('.jpg', img)
                    assert ok
                    zf.writestr(f'{top}/Real/subset/{split}/{kind}/'
                                f'{i:05d}.jpg', data.tobytes())
        ok, data = cv2.imencode('.bmp', a)
        zf.writestr(f'{top}/Model/with_shift/test/A/00000.bmp',
                    data.tobytes())
    return path


def make_converted(root, seed=0):
    """The converter's output for the raw fixture (what the CDD configs
    read)."""
    from rsfm.datasets.change_detection_convert import convert_cdd
    raw = make_raw(osp.join(root, 'downloads'), seed)
    out = osp.join(root, 'cdd')
    convert_cdd(raw, out)
    return out


if __name__ == '__main__':
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
        osp.dirname(osp.abspath(__file__))))))
    print(make_raw(sys.argv[1]))
