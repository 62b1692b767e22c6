"""Scene-level inference: whole rasters in, georeferenced results out.
Importing this package imports no host library (the model's own host is
imported by its config)."""
from .inference import inference_scene, init_model, task_of, write_preview
from .scene import (BandPlan, Scene, check_same_footprint, dense_inference,
                    loader_of, plan_bands, tile_windows)

__all__ = [
    'BandPlan', 'Scene', 'check_same_footprint', 'dense_inference',
    'inference_scene', 'init_model', 'loader_of', 'plan_bands', 'task_of',
    'tile_windows', 'write_preview'
]
