custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets.rotated', 'rsfm.engine'],
    allow_failed_imports=False)
# Oriented R-CNN (le90) + FPN, GeRSP-pretrained ResNet-50, DOTA v1.0.
# NOTE: GeRSP publishes no oriented-box number: its DOTA table (README
# Det_DOTA.png, Table III) is horizontal-box detection with mmdet 2.x
# (Faster R-CNN 65.9, RetinaNet 62.4, DyHead 66.1 mAP for GeRSP; SGD 1e-3,
# 24 epochs, 4 images per GPU). This config fine-tunes GeRSP's weights in
# rsfm's Oriented R-CNN ResNet-50 recipe (mmrotate 0.x's, as CMID's config:
# 12 epochs, SGD 0.005, 1 GPU x 2 images, stage 1 and BN frozen).
# Checkpoint: GeRSP's released ResNet-50 (encoder_q. / backbone. keys load).
# Evaluation: single-scale split (1024 patches, gap 200); DOTA test results
#   go to the server with --format-only.
_base_ = [
    '../_base_/models/oriented-rcnn-le90_resnet-50_fpn.py',
    '../_base_/datasets/dota.py',
    '../_base_/schedules/schedule_1x_sgd.py',
    '../_base_/default_runtime_mmrotate.py',
]
pretrained = 'checkpoints/gersp_resnet-50.pth'
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained)))
