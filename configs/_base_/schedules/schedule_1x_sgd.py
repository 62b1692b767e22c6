# 12 epochs, steps at 8 and 11, SGD: mmrotate 0.x's Oriented R-CNN recipe for
# ResNet backbones (open-mmlab/mmrotate v0.3 configs/_base_/schedules/
# schedule_1x.py with oriented_rcnn_r50_fpn_1x_dota_le90.py's optimizer), as
# CMID's and GeRSP's detection configs use it: SGD lr 0.005, momentum 0.9,
# weight decay 1e-4, grad clip 35, 500 linear warm-up iterations from
# lr / 3; 2 images per GPU on 1 GPU.
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
    optimizer=dict(type='SGD', lr=0.005, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=35, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=2)
