"""Seeded generator of a tiny LEVIR-CD in the release's layout: three zips
``train.zip``, ``val.zip``, ``test.zip``, each with ``A/``, ``B/``,
``label/`` at the top and files ``{split}_{N}.png`` (RGB pairs, one-band
0/255 labels), of ``size`` pixels (the release: 1024) instead of 1024.

    python tests/data/levir_cd/data.py OUT_DIR
"""
import os
import os.path as osp
import sys
import zipfile

import cv2
import numpy as np

from tests.data.change_pairs import change_pair

COUNTS = dict(train=2, val=1, test=1)


def make_raw(root, seed=0, size=512):
    """Write the three zips under ``root``; returns their paths."""
    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    paths = []
    for split, count in COUNTS.items():
        path = osp.join(root, f'{split}.zip')
        with zipfile.ZipFile(path, 'w') as zf:
            for i in range(1, count + 1):
                a, b, label = change_pair(rng, size, size, n=6)
                for kind, img in (('A', a), ('B', b), ('label', label)):
                    ok, data = cv2.imencode('.png', img)
                    assert ok
                    zf.writestr(f'{kind}/{split}_{i}.png', data.tobytes())
        paths.append(path)
    return paths


def make_converted(root, seed=0):
    """The converter's output for the raw fixture: ``root/crop_256`` and
    ``root/whole`` (what the LEVIR-CD configs read)."""
    from rsfm.datasets.change_detection_convert import convert_levir_cd
    raw = make_raw(osp.join(root, 'downloads'), seed)
    out = osp.join(root, 'levir_cd')
    convert_levir_cd(raw, out, crop_size=256)
    return out


if __name__ == '__main__':
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
        osp.dirname(osp.abspath(__file__))))))
    print(make_raw(sys.argv[1]))
