custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets', 'rsfm.engine'],
    allow_failed_imports=False)
# UperNet, CMID-pretrained Swin-B, ISPRS Potsdam 512x512: CMID's
# SemanticSegmentation/config/CMID-Swin-B_config.py (reported mIoU 88.36,
# CMID README). As the ResNet-50 config but for Swin-B (window 7, drop path
# 0.3) and CMID's Swin optimizer: AdamW lr 6e-5, weight decay 0.01 (none on
# position tables and norms), cosine decay per iteration to 1e-6, fp32.
# Evaluation: 5 classes, whole-image inference, mIoU.
_base_ = ['./upernet_resnet-50-cmid_1xb8-amp-50e_potsdam-512x512.py']
pretrained = 'checkpoints/cmid_swin-b.pth'
model = dict(
    backbone=dict(
        _delete_=True,
        type='rsfm.SwinTransformer',
        arch='base',
        window_size=7,
        drop_path_rate=0.3,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    decode_head=dict(in_channels=[128, 256, 512, 1024]),
    auxiliary_head=dict(in_channels=512))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=100),
    dict(type='CosineAnnealingLR', T_max=50, eta_min=1e-6, by_epoch=True,
         begin=0, end=50, convert_to_iter_based=True)
]
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=6e-5, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(
        norm_decay_mult=0.,
        custom_keys={
            'absolute_pos_embed': dict(decay_mult=0.),
            'relative_position_bias_table': dict(decay_mult=0.)
        }))
