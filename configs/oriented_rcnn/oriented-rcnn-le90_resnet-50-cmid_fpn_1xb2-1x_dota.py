custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets.rotated', 'rsfm.engine'],
    allow_failed_imports=False)
# Oriented R-CNN (le90) + FPN, CMID-pretrained ResNet-50, DOTA v1.0: CMID's
# Detection/config/CMID-ResNet-50_config.py (reported 76.63 mAP, CMID
# README): mmrotate 0.x's Oriented R-CNN recipe, 12 epochs, SGD lr 0.005,
# momentum 0.9, weight decay 1e-4, grad clip 35, 500 linear warm-up
# iterations, steps at 8 and 11, 2 images per GPU (1 GPU: the lr of
# mmrotate's single-GPU recipe); ResNet stage 1 frozen, BN statistics frozen.
# Checkpoint: CMID's released ResNet-50 (CMID_ResNet50_bk_200ep.pth).
# Evaluation: single-scale split (1024 patches, gap 200) of trainval; DOTA
#   test results go to the server with --format-only (ImageNet statistics,
#   as CMID's config).
_base_ = [
    '../_base_/models/oriented-rcnn-le90_convnext-b_fpn.py',
    '../_base_/datasets/dota.py',
    '../_base_/schedules/schedule_1x_adamw-ld.py',
    '../_base_/default_runtime_mmrotate.py',
]
pretrained = 'checkpoints/cmid_resnet-50.pth'
model = dict(
    backbone=dict(
        _delete_=True,
        type='rsfm.ResNet',
        depth=50,
        frozen_stages=1,
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(in_channels=[256, 512, 1024, 2048]))
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0,
         end=500),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True,
         milestones=[8, 11], gamma=0.1)
]
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.005, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=35, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=2)
