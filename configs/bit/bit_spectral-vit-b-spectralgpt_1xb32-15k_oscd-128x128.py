custom_imports = dict(
    imports=['rsfm.models', 'rsfm.models.change_detection',
             'rsfm.datasets.change_detection', 'rsfm.evaluation',
             'rsfm.engine'],
    allow_failed_imports=False)
# BIT, SpectralGPT-pretrained spectral ViT-B, OSCD (Sentinel-2, 12 bands),
# 128x128 crops. NOTE: SpectralGPT's own OSCD head is UPerNet-like (features
# of both dates subtracted); this config puts its encoder under rsfm's BIT
# head, with SpectralGPT's data, optimizer and loss. SpectralGPT's README
# gives no OSCD score (its checkpoint name suggests F1 54.28).
# Checkpoint: SpectralGPT / SpectralGPT+ as released; bands are matched by
#   name: the 12 read here (B01..B12 without B10) are the 12 it was
#   pretrained on, grouped 3 by 3 (patch 8 x 8 x 3 bands).
# Model: the last ViT block (out_indices=(11, )) as one stride-4 map (768
#   channels per date, 32x32 for a 128 crop), BIT with 4 tokens, x4 upsampling.
# Training (SpectralGPT's downstream_tasks/OSCD/train.py): batch 32, AdamW
#   lr 1e-4, weight decay 1e-5, exponential decay 0.95 per epoch for 300
#   epochs. An epoch of SpectralGPT's patch set (128 at stride 63) is taken
#   as 50 iterations: 15k iterations, lr x 0.95^(1/50) per iteration.
#   SpectralGPT weights the loss by [20p, 2(1-p)] (p: changed share of the
#   training pixels); tools/dataset_converters/oscd.py prints these weights:
#   pass them with --cfg-options model.decode_head.loss_decode.class_weight=
#   "[w0,w1]" (unweighted here: p is a property of the data).
# Evaluation: the 10 test cities by sliding window (128, stride 64); score
#   `change_F1`, `change_precision`, `change_recall` (changed class, one
#   confusion matrix over all test pixels, as SpectralGPT pools its patches).
#   `--format-only` writes one GeoTIFF change map per city on the city's
#   10 m grid (CRS and transform of the converted images).
_base_ = [
    '../_base_/models/bit_convnext-b.py',
    '../_base_/datasets/oscd.py',
    '../_base_/default_runtime_mmseg.py',
]
pretrained = 'checkpoints/spectralgpt.pth'
model = dict(
    data_preprocessor=dict(  # inputs are already in [0, 1]
        _delete_=True,
        type='rsfm.DualInputSegDataPreProcessor',
        size_divisor=32,
        pad_val=0,
        seg_pad_val=255,
        test_cfg=dict(size_divisor=32)),
    backbone=dict(
        _delete_=True,
        type='rsfm.SpectralViT',
        arch='base',
        img_size=128,
        patch_size=8,
        t_patch_size=3,
        in_channels=12,
        bands={{_base_.bands}},
        out_indices=(11, ),
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    decode_head=dict(in_channels=768, pre_upsample=1, upsample_size=4),
    test_cfg=dict(mode='slide', crop_size=(128, 128), stride=(64, 64)))

train_cfg = dict(type='IterBasedTrainLoop', max_iters=15000, val_interval=1500)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='ExponentialLR', gamma=0.95**(1 / 50), begin=0, end=15000,
         by_epoch=False)
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999),
                   weight_decay=1e-5))
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1500,
                    max_keep_ckpts=3),
    visualization=dict(type='rsfm.CDVisualizationHook'))
auto_scale_lr = dict(enable=False, base_batch_size=32)
