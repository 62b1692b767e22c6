"""Scene-level inference: whole rasters in, georeferenced results out.
Importing this package imports no host library (the model's own host is
imported by its config)."""
from .detection import (Detections, detect_scene, detection_paths,
                        merge_tiles, write_detections)
from .inference import (inference_scene, init_model, task_of,
                        write_box_preview, write_preview)
from .scene import (BandPlan, Scene, check_same_footprint, dense_inference,
                    loader_of, plan_bands, tile_windows)

__all__ = [
    'BandPlan', 'Detections', 'Scene', 'check_same_footprint',
    'dense_inference', 'detect_scene', 'detection_paths', 'inference_scene', 'init_model',
    'loader_of', 'merge_tiles', 'plan_bands', 'task_of', 'tile_windows',
    'write_box_preview', 'write_detections', 'write_preview'
]
