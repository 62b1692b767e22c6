"""Scene inference: georeferenced rasters of any size in, class and change
maps on the same grid out, blended across tiles and processed in chunks."""
import os.path as osp

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from rsfm.apis import (Scene, dense_inference, inference_scene, init_model,
                       plan_bands, tile_windows)
from rsfm.apis.scene import ChunkAccumulator, chunks_of, overlapping, ramp
from tests.apis.scenes import TRANSFORM, run_cli_on_png, write_scene


def test_class_map_keeps_the_grid_and_never_overwrites(seg_model, tmp_path):
    src = write_scene(tmp_path / 'scene.tif')
    model = init_model(*seg_model)
    out = tmp_path / 'out'
    result = inference_scene(model, src, out_dir=str(out), tile=64,
                             overlap=16, chunk=64, batch_size=3,
                             show_progress=False)
    assert result['task'] == 'segmentation' and result['chunks'] == 6
    with rasterio.open(src) as a, rasterio.open(result['classes']) as b:
        assert b.crs == a.crs and b.transform == a.transform
        assert (b.width, b.height, b.count, b.dtypes[0]) == \
            (150, 110, 1, 'uint8')
        classes = b.read(1)
    assert classes.max() < 5
    assert osp.isfile(result['preview'])
    with pytest.raises(FileExistsError, match='scene_classes.tif exists'):
        inference_scene(model, src, out_dir=str(out), tile=64, overlap=16,
                        show_progress=False)
    # the chunk size changes the work, never the result
    again = inference_scene(model, src, out_dir=str(tmp_path / 'whole'),
                            tile=64, overlap=16, chunk=1000,
                            show_progress=False, preview=False)
    assert again['chunks'] == 1 and again['tiles'] < result['tiles']
    with rasterio.open(again['classes']) as b:
        assert np.array_equal(b.read(1), classes)


def test_blending_removes_tile_seams():
    """A 5x5 box filter (zero padding at tile borders, as a network's)
    run per tile: the blended map stays close to the whole-image filter,
    where stitching tiles without blending shows the tile borders."""
    rng = np.random.default_rng(0)
    img = rng.uniform(0, 1, (1, 90, 120)).astype(np.float32)

    def box(x):
        pad = np.pad(x, ((0, 0), (2, 2), (2, 2)))
        return sum(pad[:, i:i + x.shape[1], j:j + x.shape[2]]
                   for i in range(5) for j in range(5)) / 25

    whole = box(img)
    windows = tile_windows(120, 90, 40, 16)
    blended = ChunkAccumulator((0, 0, 120, 90), 1)
    stitched = np.zeros_like(whole)
    for x1, y1, x2, y2 in windows:
        out = box(img[:, y1:y2, x1:x2])
        weight = np.outer(ramp(y2 - y1, 16), ramp(x2 - x1, 16))
        blended.add((x1, y1, x2, y2), out, weight.astype(np.float32))
        stitched[:, y1:y2, x1:x2] = out
    blend_error = np.abs(blended.blended() - whole)[:, 2:-2, 2:-2].max()
    stitch_error = np.abs(stitched - whole)[:, 2:-2, 2:-2].max()
    assert stitch_error > 0.1  # a seam: padding at a tile border
    assert blend_error < stitch_error / 3


def test_memory_is_bounded_by_the_chunk_and_tile(tmp_path):
    """A scene read only window by window, and accumulated chunk by chunk:
    nothing holds more than a tile of pixels or a chunk of logits."""
    src = write_scene(tmp_path / 'big.tif', width=700, height=530)
    scene = Scene(src, dict(type='rsfm.LoadRGBImage'))
    reads, accumulators = [], []
    original_read, original_init = Scene.read, ChunkAccumulator.__init__

    def read(self, window):
        reads.append(window)
        return original_read(self, window)

    def init(self, box, channels):
        original_init(self, box, channels)
        accumulators.append(self.sums.shape)

    def logits(model, tiles):  # 2 "classes": the band mean and its negative
        return [np.stack([t.mean(-1), -t.mean(-1)]) for t in tiles]

    Scene.read, ChunkAccumulator.__init__ = read, init
    try:
        counts = dense_inference(None, [scene], str(tmp_path / 'out.tif'),
                                 tile=64, overlap=16, chunk=128,
                                 batch_size=4, tile_logits=logits)
    finally:
        Scene.read, ChunkAccumulator.__init__ = original_read, original_init
        scene.close()
    assert counts['chunks'] == 6 * 5
    assert max((x2 - x1) * (y2 - y1) for x1, y1, x2, y2 in reads) == 64 * 64
    assert max(np.prod(s) for s in accumulators) == 2 * 128 * 128
    with rasterio.open(tmp_path / 'out.tif') as dst, rasterio.open(src) as s:
        # class 0 where the mean of the bands is positive: everywhere
        assert dst.read(1).max() == 0 and dst.crs == s.crs


def test_bands_are_matched_by_name_or_mapping(tmp_path):
    rgb = dict(type='rsfm.LoadRGBImage')
    described = write_scene(tmp_path / 'bgrn.tif', bands=4,
                            descriptions=('B', 'G', 'R', 'NIR'))
    with rasterio.open(described) as src:
        plan = plan_bands(src, described, rgb)
        # R, G, B picked by name, then read as the BGR the model saw
        assert plan.indexes == [3, 2, 1] and plan.bgr
        spectral = dict(type='rsfm.LoadMultiBandImage', bands=('NIR', 'R'))
        assert plan_bands(src, described, spectral).indexes == [4, 3]
        with pytest.raises(ValueError, match=r"no band\(s\) \['SWIR'\]"):
            plan_bands(src, described, dict(spectral, bands=('SWIR', )))
    plain = write_scene(tmp_path / 'plain.tif', bands=4)
    with rasterio.open(plain) as src:
        with pytest.raises(ValueError, match='no descriptions.*--bands'):
            plan_bands(src, plain, rgb)
        assert plan_bands(src, plain, rgb,
                          ('R', 'G', 'B', 'NIR')).indexes == [1, 2, 3]
        with pytest.raises(ValueError, match='--bands names 3'):
            plan_bands(src, plain, rgb, ('R', 'G', 'B'))
    three = write_scene(tmp_path / 'three.tif')
    scene = Scene(three, rgb)
    with rasterio.open(three) as src:
        want = src.read(window=rasterio.windows.Window(5, 7, 20, 10))
    np.testing.assert_array_equal(scene.read((5, 7, 25, 17)),
                                  want[::-1].transpose(1, 2, 0))
    scene.close()


def test_png_scene_and_command_line(seg_model, tmp_path):
    _, out = run_cli_on_png(seg_model, tmp_path, 'photo')
    assert osp.isfile(out / 'photo_classes.tif')
    assert osp.isfile(out / 'photo_preview.png')


def test_change_pair_must_share_the_grid(cd_model, tmp_path):
    model = init_model(*cd_model)
    a = write_scene(tmp_path / 'a.tif', seed=1)
    b = write_scene(tmp_path / 'b.tif', seed=2)
    result = inference_scene(model, a, b, out_dir=str(tmp_path / 'out'),
                             tile=64, overlap=16, show_progress=False)
    with rasterio.open(result['classes']) as dst:
        assert dst.transform == TRANSFORM and dst.read(1).max() <= 1
    assert result['classes'].endswith('a_change.tif')
    moved = write_scene(tmp_path / 'c.tif', seed=2,
                        transform=from_origin(500010., 4500000., 0.5, 0.5))
    with pytest.raises(ValueError, match='differ in CRS or transform'):
        inference_scene(model, a, moved, out_dir=str(tmp_path / 'o2'),
                        tile=64, overlap=16, show_progress=False)
    with pytest.raises(ValueError, match='takes two scenes'):
        inference_scene(model, a, out_dir=str(tmp_path / 'o3'))


def test_tiles_cover_the_scene_and_chunks_see_their_tiles():
    windows = tile_windows(150, 40, 64, 16)
    assert windows[:, 3].max() == 40  # shrunk to a scene lower than a tile
    covered = np.zeros((40, 150), bool)
    for x1, y1, x2, y2 in windows:
        covered[y1:y2, x1:x2] = True
    assert covered.all()
    boxes = chunks_of(150, 40, 64)
    assert boxes[-1] == (128, 0, 150, 40)
    assert len(overlapping(windows, boxes[-1])) == 1
    with pytest.raises(ValueError, match='tile 16 must exceed overlap 16'):
        tile_windows(100, 100, 16, 16)
