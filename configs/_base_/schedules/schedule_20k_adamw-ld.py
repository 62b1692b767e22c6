# 20k iterations, AdamW with ConvNeXt stage-wise lr decay 0.9, poly decay.
# Loop and hooks of open-cd 1.x configs/_base_/schedules/schedule_20k.py;
# optimizer and policy of SMLFR's ChangeDetection/configs/convnext/
# convnext_base_bit.py: AdamW lr 1e-4, betas (0.9, 0.999), weight decay 0.05
# (none on norms, biases, layer scales), decay 0.9 over 12 + 2 stage-wise
# layers, linear warm-up 1500 iterations from 1e-6 x lr, poly power 1.0 to 0,
# evaluation every 4k (checkpoints: see the configs); fp32. Total batch 64 (8 GPUs x 8).
train_cfg = dict(type='IterBasedTrainLoop', max_iters=20000, val_interval=4000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(
        type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0,
        end=1500),
    dict(
        type='PolyLR',
        power=1.0,
        eta_min=0.0,
        begin=1500,
        end=20000,
        by_epoch=False)
]

optim_wrapper = dict(
    type='OptimWrapper',
    constructor='rsfm.LayerDecayOptimWrapperConstructor',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(
        layer_decay_rate=0.9, decay_type='stage_wise', flat_decay_mult=0.0))

auto_scale_lr = dict(enable=False, base_batch_size=64)
