custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets', 'rsfm.evaluation',
             'rsfm.engine'],
    allow_failed_imports=False)
# UperNet, SLFFM-pretrained ConvNeXt-B, LoveDA 512x512 crops: the recipe of
# SMLFR's convnext_b_loveda.py (reported mIoU 52.59 on the LoveDA test
# server): train + val, 160k iterations, 8 GPUs x 2 images, AdamW 1e-4 with
# stage-wise lr decay 0.9, fp16.
# Checkpoint: SMLFR's released ConvNeXt-B pretraining file as-is.
# Evaluation protocol: 7 classes (no-data ignored), slide inference with 512
#   windows at stride 341 on the 1024 images, horizontal-flip test-time
#   augmentation as SMLFR (`--tta`); mIoU from the server on the test split:
#   tools/dist_test.sh CONFIG CKPT N --format-only --out-dir DIR [--tta]
#   NOTE: SMLFR's train pipeline resizes to 512x512 before a (2048, 512)
#   random crop; rsfm keeps mmseg's LoveDA pipeline (random resize of the
#   1024 images, 512 crops).
_base_ = [
    '../_base_/models/upernet_convnext-b.py',
    '../_base_/datasets/loveda.py',
    '../_base_/schedules/schedule_160k_adamw-ld.py',
    '../_base_/default_runtime_mmseg.py',
]
crop_size = (512, 512)
pretrained = 'checkpoints/slffm_convnext-b.pth'
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    decode_head=dict(num_classes=7),
    auxiliary_head=dict(num_classes=7),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(341, 341)))
