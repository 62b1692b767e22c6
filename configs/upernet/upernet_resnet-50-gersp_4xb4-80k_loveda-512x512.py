custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets', 'rsfm.evaluation',
             'rsfm.engine'],
    allow_failed_imports=False)
# UperNet, GeRSP-pretrained ResNet-50, LoveDA 512x512.
# NOTE: GeRSP reports LoveDA mIoU with other heads (README seg.png, Table IV:
# PSANet 49.53, DeepLabV3+ 49.06 for GeRSP; split not stated), not UperNet.
# This config puts UperNet on mmseg's ResNet-50 LoveDA recipe (its PSPNet /
# DeepLabV3+ configs: 80k iterations, SGD 0.01, 4 GPUs x 4 images) and
# rsfm's LoveDA protocol: train + val,
# 7 classes, slide 512 / 341, test-server mIoU from --format-only's zip.
# Checkpoint: GeRSP's released ResNet-50.
# NOTE: rsfm.ResNet's BatchNorm normalises per GPU (4 crops); mmseg's recipe
#   synchronises it across GPUs (SyncBN).
_base_ = [
    '../_base_/models/upernet_resnet-50.py',
    '../_base_/datasets/loveda.py',
    '../_base_/schedules/schedule_80k_sgd.py',
    '../_base_/default_runtime_mmseg.py',
]
crop_size = (512, 512)
pretrained = 'checkpoints/gersp_resnet-50.pth'
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    decode_head=dict(num_classes=7),
    auxiliary_head=dict(num_classes=7),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(341, 341)))
train_dataloader = dict(batch_size=4)
