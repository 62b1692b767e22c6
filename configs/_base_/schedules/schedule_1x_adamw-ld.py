# 12 epochs, steps at 8 and 11, AdamW with ConvNeXt stage-wise lr decay 0.9.
# Schedule of open-mmlab/mmrotate (dev-1.x) configs/_base_/schedules/schedule_1x.py
# with the optimizer of SMLFR's DOTA/DIOR-R configs (HIT-SIRS/SMLFR
# ObjectDetection/configs/convnext/convnext_base_rcnn_dota.py): AdamW lr 1e-4,
# weight decay 0.05 (none on norms, biases, layer scales), decay 0.9 over
# 12 + 2 stage-wise layers, grad clip 35, 1000 warm-up iterations; total batch 16.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1.0 / 3,
        by_epoch=False,
        begin=0,
        end=1000),
    dict(
        type='MultiStepLR',
        begin=0,
        end=12,
        by_epoch=True,
        milestones=[8, 11],
        gamma=0.1)
]

optim_wrapper = dict(
    type='OptimWrapper',
    constructor='rsfm.LayerDecayOptimWrapperConstructor',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(
        layer_decay_rate=0.9, decay_type='stage_wise', flat_decay_mult=0.0),
    clip_grad=dict(max_norm=35, norm_type=2))

# The learning rate above is for 8 GPUs x 2 images.
auto_scale_lr = dict(enable=False, base_batch_size=16)
