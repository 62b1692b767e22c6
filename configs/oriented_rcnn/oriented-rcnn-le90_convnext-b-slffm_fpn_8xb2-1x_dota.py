custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets.rotated', 'rsfm.engine'],
    allow_failed_imports=False)
# Oriented R-CNN (le90) + FPN, SLFFM-pretrained ConvNeXt-B, DOTA v1.0.
# Recipe of SMLFR's convnext_base_rcnn_dota.py (reported 79.15 mAP): 12 epochs,
# 8 GPUs x 2 images, AdamW 1e-4 with stage-wise lr decay 0.9.
# Checkpoint: SMLFR's released ConvNeXt-B pretraining file as-is (the
#   `module`-wrapped encoder or the with-decoder file); official, mmpretrain
#   and timm ConvNeXt-B checkpoints load too. Loading prints a report.
# Evaluation: single-scale split (1024 patches, gap 200) of trainval; DOTA test
#   results go to the server with
#   tools/dist_test.sh CONFIG CKPT N --format-only --out-dir work_dirs/dota_submission
_base_ = [
    '../_base_/models/oriented-rcnn-le90_convnext-b_fpn.py',
    '../_base_/datasets/dota.py',
    '../_base_/schedules/schedule_1x_adamw-ld.py',
    '../_base_/default_runtime_mmrotate.py',
]
pretrained = 'checkpoints/slffm_convnext-b.pth'
model = dict(
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)))
# Frozen-free ConvNeXt + RoI heads leave no parameter unused.
find_unused_parameters = False
