# 12 epochs, steps at 8 and 11, AdamW for Swin backbones: CMID's
# Detection/config/CMID-Swin-B_config.py: AdamW lr 1e-4, weight decay 0.05
# (none on position tables and norms), grad clip 35, 500 warm-up
# iterations from 1/3 of the rate. Loop of open-mmlab/mmrotate (dev-1.x)
# configs/_base_/schedules/schedule_1x.py.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0,
         end=500),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True,
         milestones=[8, 11], gamma=0.1)
]
optim_wrapper = dict(
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
# CMID trains on 1 GPU x 2 images.
auto_scale_lr = dict(enable=False, base_batch_size=2)
