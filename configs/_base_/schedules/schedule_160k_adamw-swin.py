# 160k iterations, AdamW for Swin backbones: open-mmlab/mmsegmentation v1.2.2
# configs/swin/swin-base-patch4-window7-in1k-pre_upernet_8xb2-160k_ade20k-
# 512x512.py (through its tiny config): AdamW lr 6e-5, betas (0.9, 0.999),
# weight decay 0.01 (none on position tables and norms), linear warm-up 1500
# iterations from 1e-6 x lr, poly power 1.0 to 0; fp32; total batch 16.
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=160000, val_interval=16000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0,
         end=1500),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=1500, end=160000,
         by_epoch=False)
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=6e-5, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(
        norm_decay_mult=0.,
        custom_keys={
            'absolute_pos_embed': dict(decay_mult=0.),
            'relative_position_bias_table': dict(decay_mult=0.)
        }))
auto_scale_lr = dict(enable=False, base_batch_size=16)
