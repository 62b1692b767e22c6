custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets.rotated', 'rsfm.engine'],
    allow_failed_imports=False)
# Oriented R-CNN (le90) + FPN, SLFFM-pretrained ConvNeXt-L, DIOR-R: SMLFR's
# convnext_large_rcnn_dior.py (reported 72.33 mAP, SMLFR README). As the
# ConvNeXt-B config but for the backbone. Evaluation: the test split, mAP
# at IoU 0.5, VOC07 11-point.
_base_ = ['./oriented-rcnn-le90_convnext-b-slffm_fpn_8xb2-1x_dior-r.py']
pretrained = 'checkpoints/slffm_convnext-l.pth'
model = dict(
    backbone=dict(
        arch='large',
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(in_channels=[192, 384, 768, 1536]))
