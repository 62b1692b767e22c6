"""Seeded generator of a tiny OSCD (Onera Satellite Change Detection) in
the release's layout::

    Onera Satellite Change Detection dataset - Images/      (a folder)
      train.txt  test.txt                                   (comma lists)
      CITY/dates.txt                                        (date_1: YYYYMMDD)
      CITY/imgs_1/S2A_OPER_..._B01.tif ... _B12.tif, _B8A.tif
      CITY/imgs_2/...        raw bands at 10, 20 and 60 m, georeferenced
      CITY/imgs_1_rect/B01.tif ...  (all bands at 10 m, no georeference)
    Onera Satellite Change Detection dataset - Train Labels.zip
      CITY/cm/cm.png (0/255), CITY/cm/CITY-cm.tif (1/2)
    Onera Satellite Change Detection dataset - Test Labels.zip

Cities are ``size`` x ``size`` pixels at 10 m (``size`` not a multiple of
6, as the real 60 m bands do not tile the 10 m grid exactly).

    python tests/data/oscd/data.py OUT_DIR
"""
import os
import os.path as osp
import sys
import zipfile

import cv2
import numpy as np

from tests.data.change_pairs import change_pair

PREFIX = 'Onera Satellite Change Detection dataset - '
TRAIN = ('abudhabi', 'beirut')
TEST = ('brasilia', )
#: band -> resolution in metres
RESOLUTION = dict(B01=60, B02=10, B03=10, B04=10, B05=20, B06=20, B07=20,
                  B08=10, B8A=20, B09=60, B10=60, B11=20, B12=20)
ORIGIN = (300000.0, 5000040.0)  # UTM easting, northing of the top left


def _write_band(path, values, res, georeferenced=True):
    import rasterio
    from rasterio.transform import from_origin
    extra = dict(crs='EPSG:32636',
                 transform=from_origin(*ORIGIN, res, res)) \
        if georeferenced else {}
    with rasterio.open(path, 'w', driver='GTiff', height=values.shape[0],
                       width=values.shape[1], count=1, dtype='uint16',
                       **extra) as dst:
        dst.write(values, 1)


def _city(root, city, rng, size):
    """Both dates' bands of ``city``; returns its 0/255 change map."""
    a, b, label = change_pair(rng, size, size, channels=len(RESOLUTION),
                              dtype=np.uint16, high=4000)
    folder = osp.join(root, city)
    for date, img in ((1, a), (2, b)):
        raw = osp.join(folder, f'imgs_{date}')
        rect = osp.join(folder, f'imgs_{date}_rect')
        os.makedirs(raw)
        os.makedirs(rect)
        for i, (band, res) in enumerate(RESOLUTION.items()):
            full = img[..., i]
            side = -(-size * 10 // res)  # the band covers the 10 m grid
            coarse = cv2.resize(full, (side, side),
                                interpolation=cv2.INTER_AREA)
            product = (f'S2A_OPER_MSI_L1C_TL_SGS__2016040{date}T084011_'
                       f'A00{date}163_T36SYC_{band}.tif')
            _write_band(osp.join(raw, product), coarse, res)
            _write_band(osp.join(rect, f'{band}.tif'), full, 10,
                        georeferenced=False)
    with open(osp.join(folder, 'dates.txt'), 'w') as f:
        f.write('date_1: 20150812\ndate_2: 20170918\n')
    return label


def make_raw(root, seed=0, size=66):
    """Write the images folder and the two label zips under ``root``;
    returns their paths."""
    rng = np.random.default_rng(seed)
    images = osp.join(root, PREFIX + 'Images')
    os.makedirs(images)
    paths = [images]
    for split, cities in (('train', TRAIN), ('test', TEST)):
        with open(osp.join(images, f'{split}.txt'), 'w') as f:
            f.write(','.join(cities))
        path = osp.join(root, f'{PREFIX}{split.title()} Labels.zip')
        with zipfile.ZipFile(path, 'w') as zf:
            for city in cities:
                label = _city(images, city, rng, size)
                ok, data = cv2.imencode('.png', label)
                zf.writestr(f'{city}/cm/cm.png', data.tobytes())
                ok, data = cv2.imencode('.tiff', label // 255 + 1)
                zf.writestr(f'{city}/cm/{city}-cm.tif', data.tobytes())
        paths.append(path)
    return paths


def make_converted(root, seed=0):
    """The converter's output for the raw fixture (what the OSCD configs
    read)."""
    from rsfm.datasets.change_detection_convert import convert_oscd
    raw = make_raw(osp.join(root, 'downloads'), seed)
    out = osp.join(root, 'oscd')
    convert_oscd(raw, out)
    return out


if __name__ == '__main__':
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
        osp.dirname(osp.abspath(__file__))))))
    print(make_raw(sys.argv[1]))
