custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets.rotated', 'rsfm.engine'],
    allow_failed_imports=False)
# Oriented R-CNN (le90) + FPN, CMID-pretrained Swin-B, DIOR-R.
# NOTE: CMID publishes no DIOR-R number (its detection benchmark is DOTA
# v1.0, 77.36 mAP for Swin-B). This config is CMID's Swin-B detection recipe
# (AdamW 1e-4, weight decay 0.05, 12 epochs, 1 GPU x 2 images; see the CMID
# Swin-B DOTA config) on the release's train + val, 800x800 images.
# Checkpoint: CMID's released Swin-B.
# Evaluation: the 11,738 test images, mAP at IoU 0.5, VOC07 11-point (see
#   _base_/datasets/dior_r.py).
_base_ = [
    '../_base_/models/oriented-rcnn-le90_swin-b_fpn.py',
    '../_base_/datasets/dior_r.py',
    '../_base_/schedules/schedule_1x_adamw-swin.py',
    '../_base_/default_runtime_mmrotate.py',
]
pretrained = 'checkpoints/cmid_swin-b.pth'
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    roi_head=dict(bbox_head=dict(num_classes=20)))
