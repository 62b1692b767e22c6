"""Seeded generator of a tiny ISPRS Potsdam in mmseg's converted layout.

mmseg's ``tools/dataset_converters/potsdam.py`` clips the 6000x6000 tiles into
512x512 PNGs named ``{tile}_{row}_{col}_{x1}_{y1}_{x2}_{y2}.png`` with labels
0 (boundary), 1 impervious surfaces, 2 building, 3 low vegetation, 4 tree,
5 car, 6 clutter. This writes ``size``-pixel clips in the same layout::

    root/img_dir/{train,val}/2_10_0_256_64_320.png   (RGB)
    root/ann_dir/{train,val}/2_10_0_256_64_320.png   (uint8 labels 0..6)

With ``bands=4`` the images are 4-band uint8 GeoTIFFs (``.tif``, band
order R, G, B, NIR as the ISPRS RGBIR tiles, band descriptions unset), as
the RGBIR configs read them.

    python tests/data/potsdam/data.py OUT_DIR [--rgbir]
"""
import os
import os.path as osp
import sys

import cv2
import numpy as np

# RGB colours of the ISPRS legend, indexed by label 1..6
PALETTE = [(255, 255, 255), (0, 0, 255), (0, 255, 255), (0, 255, 0),
           (255, 255, 0), (255, 0, 0)]


def _label_map(rng, size):
    label = np.ones((size, size), np.uint8)  # impervious surfaces
    for cls in (2, 3, 4, 5, 6):
        x, y = rng.integers(0, size - 16, size=2)
        w, h = rng.integers(8, 24, size=2)
        label[y:y + h, x:x + w] = cls
    label[:, size // 2] = 0  # a boundary line
    return label


def _write_rgbir(path, rgb, rng):
    """R, G, B and a NIR band (bright on vegetation) as a GeoTIFF."""
    import rasterio
    nir = rgb[..., 1].astype(int) // 2 + rng.integers(0, 100, rgb.shape[:2])
    bands = np.stack([rgb[..., 0], rgb[..., 1], rgb[..., 2],
                      np.clip(nir, 0, 255).astype(np.uint8)])
    with rasterio.open(path, 'w', driver='GTiff', width=rgb.shape[1],
                       height=rgb.shape[0], count=4, dtype='uint8') as dst:
        dst.write(bands)


def make_potsdam(root, seed=0, size=64, bands=3):
    rng = np.random.default_rng(seed)
    clips = {'train': [('2_10', 0, 0), ('2_10', 0, 256), ('3_11', 256, 0)],
             'val': [('2_13', 0, 0), ('2_14', 256, 256)]}
    for split, names in clips.items():
        for sub in ('img_dir', 'ann_dir'):
            os.makedirs(osp.join(root, sub, split), exist_ok=True)
        for tile, x, y in names:
            fname = f'{tile}_{x}_{y}_{x + size}_{y + size}.png'
            img_name = fname if bands == 3 else fname[:-4] + '.tif'
            label = _label_map(rng, size)
            img = np.zeros((size, size, 3), np.uint8)
            for cls, rgb in enumerate(PALETTE, start=1):
                img[label == cls] = rgb[::-1]  # BGR for cv2
            noise = rng.integers(-30, 30, size=img.shape)
            img = np.clip(img.astype(int) + noise, 0, 255).astype(np.uint8)
            if bands == 3:
                cv2.imwrite(osp.join(root, 'img_dir', split, img_name), img)
            else:
                _write_rgbir(osp.join(root, 'img_dir', split, img_name),
                             img[..., ::-1], rng)
            cv2.imwrite(osp.join(root, 'ann_dir', split, fname), label)
    return root


#: raw fixture tiles: two official training tiles (6_7 codes cars as
#: (252, 255, 0), as the real one does) and one test tile
RAW_TILES = ('2_10', '6_7', '2_13')


def _tif_bytes(array, tmp):
    """``array`` ``(C, H, W)`` uint8 as GeoTIFF bytes (georeferenced as the
    ISPRS tiles, in a UTM zone)."""
    import rasterio
    from rasterio.transform import from_origin
    with rasterio.open(tmp, 'w', driver='GTiff', height=array.shape[1],
                       width=array.shape[2], count=array.shape[0],
                       dtype='uint8', crs='EPSG:32633',
                       transform=from_origin(366000, 5808000, 0.05,
                                             0.05)) as dst:
        dst.write(array)
    with open(tmp, 'rb') as f:
        data = f.read()
    os.remove(tmp)
    return data


def make_raw(root, seed=0, size=200):
    """The ISPRS archives: ``2_Ortho_RGB.zip``, ``4_Ortho_RGBIR.zip``,
    ``5_Labels_all.zip`` and ``5_Labels_all_noBoundary.zip`` with
    ``size``-pixel tiles (the release: 6000) inside one folder each, as
    the downloads hold them. Returns the zip paths."""
    import zipfile
    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    tmp = osp.join(root, '.tile.tif')
    archives = {name: zipfile.ZipFile(osp.join(root, f'{name}.zip'), 'w')
                for name in ('2_Ortho_RGB', '4_Ortho_RGBIR', '5_Labels_all',
                             '5_Labels_all_noBoundary')}
    for tile in RAW_TILES:
        label = _label_map(rng, size)
        colour = np.zeros((size, size, 3), np.uint8)
        for cls, rgb in enumerate(PALETTE, start=1):
            colour[label == cls] = rgb
        if tile == '6_7':
            colour[label == 5] = (252, 255, 0)
        rgb = np.clip(colour.astype(int) + rng.integers(
            -30, 30, colour.shape), 0, 255).astype(np.uint8)
        nir = rng.integers(0, 255, (size, size, 1), dtype=np.uint8)
        no_boundary = colour.copy()
        no_boundary[label == 0] = 0  # eroded boundaries: black
        colour[label == 0] = PALETTE[0]  # the full labels have none
        for name, array, kind in (
                ('2_Ortho_RGB', rgb, 'RGB'),
                ('4_Ortho_RGBIR', np.concatenate([rgb, nir], 2), 'RGBIR'),
                ('5_Labels_all', colour, 'label'),
                ('5_Labels_all_noBoundary', no_boundary,
                 'label_noBoundary')):
            archives[name].writestr(
                f'{name}/top_potsdam_{tile}_{kind}.tif',
                _tif_bytes(array.transpose(2, 0, 1), tmp))
    for archive in archives.values():
        archive.close()
    return [archive.filename for archive in archives.values()]


if __name__ == '__main__':
    make_potsdam(sys.argv[1], bands=4 if '--rgbir' in sys.argv else 3)
    print(f'wrote {sys.argv[1]}')
