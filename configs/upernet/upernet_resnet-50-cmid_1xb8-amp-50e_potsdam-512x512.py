custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets', 'rsfm.engine'],
    allow_failed_imports=False)
# UperNet, CMID-pretrained ResNet-50, ISPRS Potsdam 512x512: CMID's
# SemanticSegmentation/config/CMID-ResNet50_config.py (reported mIoU 87.35,
# CMID README): 50 epochs over the 512 clips, 1 GPU x 8 images, SGD lr 0.01,
# momentum 0.9, weight decay 1e-4, 100 linear warm-up iterations (from 0.1 x
# lr, mmcv's default ratio), cosine decay per epoch to 1e-6, fp16; random resize 0.5-2.0, crop, flip,
# photometric distortion.
# Checkpoint: CMID's released ResNet-50 (CMID_ResNet50_bk_200ep.pth).
# Evaluation protocol: 5 classes (clutter ignored: CMID's loader maps it to
#   its ignore index; boundary ignored), whole-image inference on the 512
#   clips, no flip TTA; headline mIoU.
_base_ = [
    '../_base_/models/upernet_resnet-50.py',
    '../_base_/datasets/potsdam.py',
    '../_base_/default_runtime_mmseg.py',
]
pretrained = 'checkpoints/cmid_resnet-50.pth'
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    decode_head=dict(num_classes=5),
    auxiliary_head=dict(num_classes=5),
    test_cfg=dict(mode='whole'))
train_dataloader = dict(
    batch_size=8, sampler=dict(type='DefaultSampler', shuffle=True))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=100),
    dict(type='CosineAnnealingLR', T_max=50, eta_min=1e-6, by_epoch=True,
         begin=0, end=50)
]
optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
default_hooks = dict(
    logger=dict(log_metric_by_epoch=True),
    checkpoint=dict(by_epoch=True, interval=5))
log_processor = dict(by_epoch=True)
auto_scale_lr = dict(enable=False, base_batch_size=8)
