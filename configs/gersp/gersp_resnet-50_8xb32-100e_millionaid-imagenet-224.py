custom_imports = dict(
    imports=['rsfm.models', 'rsfm.models.pretrain', 'rsfm.datasets',
             'rsfm.engine'],
    allow_failed_imports=False)
# GeRSP pretraining of ResNet-50 at the paper's settings (floatingstarZ/
# GeRSP configs/selfsup/GeRSP/GeRSP.py, mmselfsup/models/algorithms/
# moco_gersp.py, mmselfsup/datasets/multi_view_DACP.py):
# - one student ResNet-50 (zero-initialised last BN per block) over a batch
#   of 32 remote-sensing crops (MillionAID) and 32 ImageNet-1k crops per GPU
#   (shared BN statistics);
# - MoCo on the remote-sensing pair: projector 2048-2048-128, momentum key
#   encoder (0.999, updated before the key forward), shuffled BN across
#   GPUs, queue 65536, T 0.07, one direction;
# - supervised: a linear 1000-way classifier on the ImageNet features,
#   cross-entropy (alpha 1);
# - MoCo v1 augmentation on both sides: crop 0.2-1, grey 0.2, colour jitter
#   0.4, flip; ImageNet normalisation.
# SGD lr 0.007, momentum 0.9, weight decay 5e-4 on all parameters; cosine
# with restarts every 20 epochs between 0.007 and 0.001 (by epoch); 100
# epochs on 8 GPUs; no AMP, per-GPU BN.
# NOTE: GeRSP never updates its key projector; this config momentum-updates
#   it (MoCo's rule). model.update_key_neck=False reproduces GeRSP.
# Data: data/millionaid (any folder tree of images) and data/imagenet in
#   mmpretrain's ImageNet layout (train/ + meta/train.txt); a sample pairs
#   RS image i % N_rs with ImageNet image i % N_in, so an epoch is as long
#   as the longer of the two (ImageNet's 1.28M).
# Continue from GeRSP's files: model.init_cfg=dict(type='Pretrained',
#   checkpoint=...) takes the mmselfsup training file (epoch_N.pth), a
#   ResNet (CVT_epoch_N.pth) or an rsfm GeRSP checkpoint, with a report.
#   No downstream number belongs to this config: its checkpoint feeds the
#   *_resnet-50-gersp_* configs (`backbone.*`).
_base_ = ['../_base_/default_runtime_mmpretrain.py']
model = dict(
    type='rsfm.GeRSP',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='rsfm.ResNet',
        depth=50,
        out_indices=(3, ),
        zero_init_residual=True),
    projector=dict(hidden_channels=2048, out_channels=128),
    num_classes=1000,
    queue_len=65536,
    momentum=0.999,
    temperature=0.07,
    alpha=1.,
    update_key_neck=True)
moco_v1 = [
    dict(
        type='RandomResizedCrop',
        scale=224,
        crop_ratio_range=(0.2, 1.),
        backend='pillow'),
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True),
    dict(
        type='rsfm.ColorJitter',
        brightness=0.4,
        contrast=0.4,
        saturation=0.4,
        hue=0.4),
    dict(type='RandomFlip', prob=0.5),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='rsfm.PairedDataset',
        unlabeled=dict(
            type='rsfm.UnlabeledImageDataset',
            data_root='data/millionaid',
            data_prefix=dict(img_path=''),
            pipeline=[
                dict(type='rsfm.LoadRGBImage'),
                dict(type='MultiView', num_views=2, transforms=[moco_v1])
            ]),
        labeled=dict(
            type='ImageNet',
            data_root='data/imagenet',
            split='train',
            pipeline=[dict(type='rsfm.LoadRGBImage'), *moco_v1]),
        pipeline=[dict(type='PackInputs')]))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.007, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(
        type='CosineRestartLR',
        periods=[20] * 5,
        restart_weights=[1] * 5,
        eta_min=0.001,
        by_epoch=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=3))
auto_scale_lr = dict(enable=False, base_batch_size=256)
