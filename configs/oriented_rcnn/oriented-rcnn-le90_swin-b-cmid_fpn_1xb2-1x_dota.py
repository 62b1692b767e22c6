custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets.rotated', 'rsfm.engine'],
    allow_failed_imports=False)
# Oriented R-CNN (le90) + FPN, CMID-pretrained Swin-B, DOTA v1.0: CMID's
# Detection/config/CMID-Swin-B_config.py (reported 77.36 mAP, CMID README):
# as the ResNet-50 config but Swin-B (window 7, drop path 0.3) and AdamW
# lr 1e-4, weight decay 0.05 (none on position tables and norms), grad clip
# 35, 500 warm-up iterations, steps at 8 and 11; 1 GPU x 2 images.
# Checkpoint: CMID's released Swin-B. Evaluation: as the ResNet-50 config.
_base_ = [
    '../_base_/models/oriented-rcnn-le90_swin-b_fpn.py',
    '../_base_/datasets/dota.py',
    '../_base_/schedules/schedule_1x_adamw-swin.py',
    '../_base_/default_runtime_mmrotate.py',
]
pretrained = 'checkpoints/cmid_swin-b.pth'
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained)))
