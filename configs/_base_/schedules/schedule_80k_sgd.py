# 80k iterations, SGD: open-mmlab/mmsegmentation v1.2.2
# configs/_base_/schedules/schedule_80k.py (the ResNet UperNet recipe): SGD
# lr 0.01, momentum 0.9, weight decay 5e-4, poly power 0.9 to 1e-4; fp32;
# total batch 16 (4 GPUs x 4 in mmseg's LoveDA configs).
train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=80000,
         by_epoch=False)
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
    clip_grad=None)
auto_scale_lr = dict(enable=False, base_batch_size=16)
