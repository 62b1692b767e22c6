custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets.rotated', 'rsfm.engine'],
    allow_failed_imports=False)
# Oriented R-CNN (le90) + FPN, CMID-pretrained Swin-B, DOTA v1.0: CMID's
# Detection/config/CMID-Swin-B_config.py (reported 77.36 mAP, CMID README):
# as the ResNet-50 config but Swin-B (window 7, drop path 0.3) and AdamW
# lr 1e-4, weight decay 0.05 (none on position tables and norms), grad clip
# 35, 500 warm-up iterations, steps at 8 and 11.
# Checkpoint: CMID's released Swin-B. Evaluation: as the ResNet-50 config.
_base_ = ['./oriented-rcnn-le90_resnet-50-cmid_fpn_1xb2-1x_dota.py']
pretrained = 'checkpoints/cmid_swin-b.pth'
model = dict(
    backbone=dict(
        _delete_=True,
        type='rsfm.SwinTransformer',
        arch='base',
        window_size=7,
        drop_path_rate=0.3,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(in_channels=[128, 256, 512, 1024]))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0.,
        custom_keys={
            'absolute_pos_embed': dict(decay_mult=0.),
            'relative_position_bias_table': dict(decay_mult=0.)
        }),
    clip_grad=dict(max_norm=35, norm_type=2))
