"""Run a model on whole scenes: georeferenced class maps, change maps or
oriented boxes.

    python tools/inference.py CONFIG CHECKPOINT SRC [SRC2] --out DIR
        [--tile N] [--overlap N] [--batch-size 4] [--chunk 2048]
        [--iou-thr 0.1] [--device cpu] [--bands NAME,NAME,...]
        [--no-preview] [--preview-size 1024] [--trust-checkpoint]

SRC is any raster rasterio reads (GeoTIFF, COG, PNG, JPG), of any size and
band count; SRC2 is the second date of a change-detection pair (same grid).
The scene is read window by window, cut into overlapping tiles that are
blended before the argmax, and processed in chunks, so memory does not grow
with it. DIR gets ``NAME_classes.tif`` (segmentation) or
``NAME_change.tif`` (1 = changed): a tiled, compressed GeoTIFF with the
input's CRS and transform. An oriented detector's boxes are merged across
tiles by class-wise rotated NMS (IoU 0.1, the DOTA rule) and written as
polygons with class and score in the scene's CRS (``NAME_boxes.gpkg``,
``NAME_boxes.geojson``) and as DOTA Task1 lines in scene pixels
(``NAME_task1/Task1_<class>.txt``). ``NAME_preview.png`` is the scene
downsampled with the result drawn over it. Nothing in DIR is overwritten.

The file's bands are matched to the model's by name (band descriptions);
``--bands`` names the file's bands in file order for files without them.
A progress bar shows tiles done / total, the rate and the ETA.
"""
import argparse
import sys

from mmengine.logging import print_log


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('src', help='scene (raster)')
    parser.add_argument('src2', nargs='?',
                        help='second date of a change-detection pair')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--tile', type=int,
                        help='tile side (default: 512 for segmentation and '
                        'change detection; the test resize, e.g. 1024, for '
                        'oriented detection)')
    parser.add_argument('--overlap', type=int,
                        help='overlap of neighbouring tiles in pixels '
                        '(default: 128; 200 for oriented detection)')
    parser.add_argument('--batch-size', type=int, default=4,
                        help='tiles per forward')
    parser.add_argument('--chunk', type=int, default=2048,
                        help='side of the chunks processed at a time')
    parser.add_argument('--iou-thr', type=float, default=0.1,
                        help='IoU of the class-wise rotated NMS that merges '
                        'oriented boxes across tiles (0.1: the DOTA rule)')
    parser.add_argument('--device', default='cpu', help='cpu, cuda, cuda:1')
    parser.add_argument('--bands', help='names of the file\'s bands in file '
                        'order (comma-separated), for files without band '
                        'descriptions')
    parser.add_argument('--no-preview', action='store_true',
                        help='do not write the preview PNG')
    parser.add_argument('--preview-size', type=int, default=1024,
                        help='longest side of the preview PNG')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='fully unpickle a checkpoint that holds more '
                        'than weights and training state (runs its code)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from rsfm.apis import inference_scene, init_model
    model = init_model(args.config, args.checkpoint, args.device,
                       trust_checkpoint=args.trust_checkpoint)
    bands = [b.strip() for b in args.bands.split(',')] if args.bands \
        else None
    result = inference_scene(
        model, args.src, args.src2, out_dir=args.out, tile=args.tile,
        overlap=args.overlap, batch_size=args.batch_size, chunk=args.chunk,
        bands=bands, preview=not args.no_preview, iou_thr=args.iou_thr,
        preview_side=args.preview_size)
    outputs = [result[key] for key in ('classes', 'gpkg', 'geojson', 'task1',
                                       'preview') if key in result]
    found = f'{result["boxes"]} boxes' if 'boxes' in result else \
        f'{result["chunks"]} chunks'
    print_log(f'{result["tiles"]} tiles, {found}; wrote ' +
              ', '.join(outputs), logger='current')
    return 0


if __name__ == '__main__':
    sys.exit(main())
