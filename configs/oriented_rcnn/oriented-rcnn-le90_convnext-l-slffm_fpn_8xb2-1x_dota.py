custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets.rotated', 'rsfm.engine'],
    allow_failed_imports=False)
# Oriented R-CNN (le90) + FPN, SLFFM-pretrained ConvNeXt-L, DOTA v1.0: SMLFR's
# convnext_large_rcnn_dota.py (reported 79.33 mAP, SMLFR README). As the
# ConvNeXt-B config but for the backbone (dims 192..1536, drop path 0.4).
# Evaluation: single-scale split; DOTA test results go to the server with
#   --format-only (see the ConvNeXt-B config).
_base_ = ['./oriented-rcnn-le90_convnext-b-slffm_fpn_8xb2-1x_dota.py']
pretrained = 'checkpoints/slffm_convnext-l.pth'
model = dict(
    backbone=dict(
        arch='large',
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(in_channels=[192, 384, 768, 1536]))
