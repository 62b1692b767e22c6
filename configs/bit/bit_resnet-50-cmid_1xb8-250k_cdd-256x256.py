custom_imports = dict(
    imports=['rsfm.models', 'rsfm.models.change_detection',
             'rsfm.datasets.change_detection', 'rsfm.evaluation',
             'rsfm.engine'],
    allow_failed_imports=False)
# BIT, CMID-pretrained ResNet-50, CDD 256x256 pairs: CMID's recipe as far as
# its ChangeDetection/ code shows it (reported mF1 96.95, CMID README).
# Checkpoint: CMID's released ResNet-50 (CMID_ResNet50_bk_200ep.pth).
# Model (CMID's networks.py): layer3 features (stride 16, 1024 channels per
#   date), x2 upsampling and a 3x3 conv to 32 channels, BIT with 4 tokens,
#   encoder depth 1, decoder depth 8, |difference|, x8 upsampling.
#   NOTE: CMID upsamples by nearest (x2 before the head, x2 after it) and
#   bilinear (x4), and classifies with two 3x3 convs; rsfm.BITHead
#   (open-cd's) upsamples bilinearly and classifies with one 1x1 conv.
# Loss: CMID's "hybrid": cross-entropy + soft Dice (batch-level, per class,
#   rsfm.SoftDiceLoss).
# Training (CMID's train.py): 1 GPU x 8 pairs, 200 epochs = 250k iterations,
#   SGD lr 0.002, momentum 0.99, weight decay 5e-4, linear decay to 0 (per
#   iteration here, per epoch there), no warm-up; inputs NOT normalised (0-255
#   floats, RGB), as CMID's loaders; flips and 90-degree rotations.
# Evaluation: the 3000 test pairs, whole. Score: `change_F1` (changed class,
#   one confusion matrix over all test pixels). NOTE: CMID's "mF1" is the
#   changed-class F1 averaged over batches of 8 (train.py), which is not the
#   same number; its eval.py notes the pooled F1 is usually higher.
_base_ = [
    '../_base_/models/bit_convnext-b.py',
    '../_base_/datasets/cdd.py',
    '../_base_/default_runtime_mmseg.py',
]
pretrained = 'checkpoints/cmid_resnet-50.pth'
model = dict(
    data_preprocessor=dict(mean=[0., 0., 0.] * 2, std=[1., 1., 1.] * 2),
    backbone=dict(
        _delete_=True,
        type='rsfm.ResNet',
        depth=50,
        out_indices=(2, ),
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    decode_head=dict(
        in_channels=1024,
        upsample_size=8,
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False,
                 loss_weight=1.0),
            dict(type='rsfm.SoftDiceLoss', loss_weight=1.0)
        ]))

train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=250000, val_interval=12500)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='PolyLR', power=1.0, eta_min=0.0, begin=0, end=250000,
         by_epoch=False)
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.002, momentum=0.99, weight_decay=5e-4))
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=12500,
                    max_keep_ckpts=3),
    visualization=dict(type='rsfm.CDVisualizationHook'))
auto_scale_lr = dict(enable=False, base_batch_size=8)
