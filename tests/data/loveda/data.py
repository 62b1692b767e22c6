"""Seeded generator of a tiny LoveDA as released: ``Train.zip``,
``Val.zip`` (``{Train,Val}/{Urban,Rural}/{images_png,masks_png}/N.png``,
masks 0 no-data and 1..7 the classes) and ``Test.zip`` (images only), with
file names unique across Urban and Rural, ``size`` pixels (the release:
1024).

    python tests/data/loveda/data.py OUT_DIR
"""
import os
import os.path as osp
import sys
import zipfile

import cv2
import numpy as np

#: split -> domain -> image numbers
LAYOUT = dict(Train=dict(Urban=(1366, 1367), Rural=(0, 1)),
              Val=dict(Urban=(3514, ), Rural=(2522, )),
              Test=dict(Urban=(4191, ), Rural=(5000, )))


def _mask(rng, size):
    mask = np.full((size, size), 1, np.uint8)  # background
    for value in range(2, 8):
        y, x = rng.integers(0, size - 16, 2)
        mask[y:y + 16, x:x + 16] = value
    mask[:4, :] = 0  # no-data
    return mask


def make_raw(root, seed=0, size=64):
    """Write the three zips under ``root``; returns their paths."""
    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    paths = []
    for split, domains in LAYOUT.items():
        path = osp.join(root, f'{split}.zip')
        with zipfile.ZipFile(path, 'w') as zf:
            for domain, numbers in domains.items():
                for n in numbers:
                    mask = _mask(rng, size)
                    img = (mask[..., None] * 30 + rng.integers(
                        0, 20, (size, size, 3))).astype(np.uint8)
                    zf.writestr(f'{split}/{domain}/images_png/{n}.png',
                                cv2.imencode('.png', img)[1].tobytes())
                    if split != 'Test':
                        zf.writestr(f'{split}/{domain}/masks_png/{n}.png',
                                    cv2.imencode('.png', mask)[1].tobytes())
        paths.append(path)
    return paths


def make_converted(root, seed=0):
    """The converter's output for the raw fixture (what the LoveDA configs
    read): ``root/loveda/{img_dir,ann_dir}``."""
    from rsfm.datasets.loveda_convert import convert_loveda
    out = osp.join(root, 'loveda')
    convert_loveda(make_raw(osp.join(root, 'downloads'), seed), out)
    return out


if __name__ == '__main__':
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
        osp.dirname(osp.abspath(__file__))))))
    print(make_raw(sys.argv[1]))
