custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets', 'rsfm.evaluation',
             'rsfm.engine'],
    allow_failed_imports=False)
# UperNet, GFM-pretrained Swin-B, LoveDA 512x512.
# NOTE: GFM publishes no LoveDA number (see the GFM Potsdam config). mmseg's
# Swin-B UperNet recipe (AdamW 6e-5, 160k, 8 GPUs x 2 images) on rsfm's
# LoveDA protocol: train + val, 7 classes, slide 512 / 341, test-server
# mIoU from --format-only's zip (--tta for flips).
_base_ = [
    '../_base_/models/upernet_swin-b.py',
    '../_base_/datasets/loveda.py',
    '../_base_/schedules/schedule_160k_adamw-swin.py',
    '../_base_/default_runtime_mmseg.py',
]
crop_size = (512, 512)
pretrained = 'checkpoints/gfm_swin-b.pth'
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    decode_head=dict(num_classes=7),
    auxiliary_head=dict(num_classes=7),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(341, 341)))
