custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets', 'rsfm.evaluation',
             'rsfm.engine'],
    allow_failed_imports=False)
# UperNet, GFM-pretrained Swin-B, ISPRS Potsdam 512x512.
# NOTE: GFM publishes no Potsdam (nor LoveDA) number: its segmentation
# results are Vaihingen (75.3) and WHU Aerial (90.7), without code. This
# config is mmseg's Swin-B UperNet recipe (AdamW 6e-5, 160k iterations,
# 8 GPUs x 2 images) on rsfm's Potsdam protocol.
# Checkpoint: GFM's released gfm.pth (the student encoder; window-6 tables
#   resized to window 7).
# Evaluation: 5 classes (boundary and clutter ignored), slide 512 / 341, OA
#   (aAcc), mIoU, mFscore; --tta for flips.
_base_ = [
    '../_base_/models/upernet_swin-b.py',
    '../_base_/datasets/potsdam.py',
    '../_base_/schedules/schedule_160k_adamw-swin.py',
    '../_base_/default_runtime_mmseg.py',
]
crop_size = (512, 512)
pretrained = 'checkpoints/gfm_swin-b.pth'
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    decode_head=dict(num_classes=5),
    auxiliary_head=dict(num_classes=5),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(341, 341)))
