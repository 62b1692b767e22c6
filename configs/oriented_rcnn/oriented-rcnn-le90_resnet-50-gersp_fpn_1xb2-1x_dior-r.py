custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets.rotated', 'rsfm.engine'],
    allow_failed_imports=False)
# Oriented R-CNN (le90) + FPN, GeRSP-pretrained ResNet-50, DIOR-R.
# NOTE: GeRSP publishes no DIOR-R number: its DIOR table (README
# Detection.png, Table II) is horizontal-box DIOR (Faster R-CNN 67.1,
# RetinaNet 67.5, DyHead 71.2 mAP for GeRSP). This config fine-tunes GeRSP's
# weights in the Oriented R-CNN ResNet-50 recipe (12 epochs, SGD 0.005, 1 GPU
# x 2 images, stage 1 and BN frozen) on the release's train + val.
# Evaluation: the test split, mAP at IoU 0.5, VOC07 11-point.
_base_ = [
    '../_base_/models/oriented-rcnn-le90_resnet-50_fpn.py',
    '../_base_/datasets/dior_r.py',
    '../_base_/schedules/schedule_1x_sgd.py',
    '../_base_/default_runtime_mmrotate.py',
]
pretrained = 'checkpoints/gersp_resnet-50.pth'
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    roi_head=dict(bbox_head=dict(num_classes=20)))
