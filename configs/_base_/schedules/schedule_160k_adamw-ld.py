# 160k iterations, AdamW with ConvNeXt stage-wise lr decay 0.9, poly decay, AMP.
# Loop and hooks of open-mmlab/mmsegmentation v1.2.2
# configs/_base_/schedules/schedule_160k.py; optimizer and policy of SMLFR's
# Potsdam/LoveDA configs (HIT-SIRS/SMLFR SemanticSegmentation/configs/
# convnext_b_potsdam.py): AdamW lr 1e-4, weight decay 0.05 (none on norms,
# biases, layer scales), decay 0.9 over 12 + 2 stage-wise layers, linear
# warm-up 1500 iterations from 1e-6, poly power 1.0 to 0, fp16; total batch 16.
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=160000, val_interval=16000)
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
        end=160000,
        by_epoch=False)
]

optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    constructor='rsfm.LayerDecayOptimWrapperConstructor',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(
        layer_decay_rate=0.9, decay_type='stage_wise', flat_decay_mult=0.0))

# The learning rate above is for 8 GPUs x 2 images.
auto_scale_lr = dict(enable=False, base_batch_size=16)
