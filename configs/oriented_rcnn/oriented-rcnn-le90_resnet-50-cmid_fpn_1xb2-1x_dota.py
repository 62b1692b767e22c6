custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets.rotated', 'rsfm.engine'],
    allow_failed_imports=False)
# Oriented R-CNN (le90) + FPN, CMID-pretrained ResNet-50, DOTA v1.0: CMID's
# Detection/config/CMID-ResNet-50_config.py (reported 76.63 mAP, CMID
# README): mmrotate 0.x's Oriented R-CNN recipe for ResNets, 12 epochs, SGD
# lr 0.005 on 1 GPU x 2 images (_base_/schedules/schedule_1x_sgd.py); ResNet
# stage 1 frozen, BN statistics frozen.
# Checkpoint: CMID's released ResNet-50 (CMID_ResNet50_bk_200ep.pth).
# Evaluation: single-scale split (1024 patches, gap 200) of trainval; DOTA
#   test results go to the server with --format-only (ImageNet statistics,
#   as CMID's config).
_base_ = [
    '../_base_/models/oriented-rcnn-le90_resnet-50_fpn.py',
    '../_base_/datasets/dota.py',
    '../_base_/schedules/schedule_1x_sgd.py',
    '../_base_/default_runtime_mmrotate.py',
]
pretrained = 'checkpoints/cmid_resnet-50.pth'
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained)))
