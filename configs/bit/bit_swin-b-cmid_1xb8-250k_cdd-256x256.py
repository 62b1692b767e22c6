custom_imports = dict(
    imports=['rsfm.models', 'rsfm.models.change_detection',
             'rsfm.datasets.change_detection', 'rsfm.evaluation',
             'rsfm.engine'],
    allow_failed_imports=False)
# BIT, CMID-pretrained Swin-B, CDD 256x256 pairs: CMID's recipe (reported
# mF1 97.11, CMID README). As the ResNet-50 config, but Swin-B (embed 128,
# depths 2-2-18-2, window 7, drop path 0.3) with its stage-2 features
# (stride 16, 512 channels per date) and AdamW lr 6e-5, weight decay 0.01,
# linear decay to 0 (CMID's train.py). Inputs not normalised, as CMID's
# loaders. Evaluation: the 3000 test pairs, `change_F1` (changed class, all
# test pixels; CMID's mF1 averages per batch, see the ResNet-50 config).
_base_ = ['./bit_resnet-50-cmid_1xb8-250k_cdd-256x256.py']
pretrained = 'checkpoints/cmid_swin-b.pth'
model = dict(
    backbone=dict(
        _delete_=True,
        type='rsfm.SwinTransformer',
        arch='base',
        window_size=7,
        drop_path_rate=0.3,
        out_indices=(2, ),
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    decode_head=dict(in_channels=512))
optim_wrapper = dict(
    optimizer=dict(
        _delete_=True, type='AdamW', lr=6e-5, betas=(0.9, 0.999),
        weight_decay=0.01))
