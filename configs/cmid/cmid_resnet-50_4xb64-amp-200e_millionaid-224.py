custom_imports = dict(
    imports=['rsfm.models', 'rsfm.models.pretrain', 'rsfm.datasets',
             'rsfm.engine'],
    allow_failed_imports=False)
# CMID pretraining of ResNet-50 at the paper's settings (NJU-LHRS/official-
# CMID Pretrain/: pt_config.yaml, main_pretrain.py, models/pretrain_model.py
# MoCoBasedDDP, Dataset/transform.py, Exploring/hook/*):
# - student: ResNet-50 (timm layout, zero-initialised last BN per block)
#   whose stride-4 stem output gets a mask token added at masked positions;
#   teacher: its EMA (momentum 0.996 -> 1, cosine per iteration), unmasked;
# - two views per image (224 px): "img" (crop 0.3-1 + flip) and "view" (crop
#   + flip + colour jitter, blur, noise, solarize, grey), each with 60% of
#   the 7x7 grid of 32-px cells masked (30 cells) and filled with the view's
#   mean; cell-centre grids of both crops for the local loss;
# - loss = focal-L1 + focal-frequency reconstruction of the masked pixels
#   (SimMIM linear decoder) + MoCo v2 (T 0.2, queue 65536) between student
#   and teacher projections of the two views + DINO-style loss (student T
#   0.1, teacher T 0.04 -> 0.07 over 50 epochs, centre momentum 0.9) between
#   the local heads at the 20 best-matched cells.
# Adan (betas 0.98/0.92/0.99, weight decay 0.02, none on 1-D parameters),
# lr 1e-3 x 4 GPUs = 4e-3 for 4 GPUs x 64, 10 warm-up epochs from 0.01 of
# it, cosine to 1e-6 per iteration; AMP with a static loss scale of 512
# (CMID's Fp16OptimizerHook); SyncBN over the whole model.
# Epochs: CMID's released MillionAID models are 200-epoch runs (README);
# the yaml files in the repository say 400 (the R50 one on Potsdam).
# NOTE: CMID's warm-up multiplies a cosine that starts at iteration 0; here
#   the cosine starts after the warm-up (lr at the end of warm-up 4e-3 here,
#   0.998 of it in CMID).
# Data: MillionAID (the paper's pretraining set; any folder tree of images)
#   under data/millionaid, mean/std of MillionAID as CMID normalises.
# Continue from CMID's files: model.init_cfg=dict(type='Pretrained',
#   checkpoint=...) takes CMID's whole-model file (its pickled logs read as
#   inert stand-ins), a backbone ("Backbone Only") or an rsfm CMID checkpoint,
#   with a report. No downstream number belongs to this config: its
#   checkpoint feeds the *_resnet-50-cmid_* configs (`backbone.*`).
_base_ = ['../_base_/default_runtime_mmpretrain.py']
# MillionAID statistics (Dataset/transform.py:26,188), 0-255 scale
mean = [86.18235, 91.9275, 85.374]
std = [34.6545, 34.476, 35.8785]
model = dict(
    type='rsfm.CMID',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor', mean=mean, std=std, to_rgb=True),
    backbone=dict(
        type='rsfm.MaskedResNet',
        depth=50,
        out_indices=(3, ),
        zero_init_residual=True,
        mask_mode='add'),
    neck=dict(type='rsfm.GFMDecoder', in_channels=2048, encoder_stride=32),
    projector=dict(hidden_channels=2048, out_channels=256),
    local_head=dict(
        out_channels=2048,
        hidden_channels=2048,
        bottleneck_channels=256,
        num_layers=3,
        norm=True),
    queue_len=65536,
    temperature=0.2,
    num_matches=20,
    base_momentum=0.996,
    student_temp=0.1,
    teacher_temp=0.04,
    center_momentum=0.9,
    mask_ratio=0.6)
sync_bn = 'torch'
mask = dict(
    type='SimMIMMaskGenerator',
    input_size=224,
    mask_patch_size=32,
    model_patch_size=4,
    mask_ratio=0.6)
crop = dict(
    type='rsfm.RandomResizedCropWithGrid',
    size=224,
    crop_ratio_range=(0.3, 1.0),
    flip_prob=0.5,
    grid_stride=32)
train_pipeline = [
    dict(type='rsfm.LoadRGBImage'),
    dict(type='Resize', scale=(224, 224), backend='pillow',
         interpolation='bicubic'),
    dict(
        type='rsfm.ParallelViews',
        views=[
            [crop, mask],  # "img": geometry only
            [
                crop,
                dict(
                    type='RandomApply',
                    transforms=[
                        dict(
                            type='rsfm.ColorJitter',
                            brightness=0.4,
                            contrast=0.4,
                            saturation=0.2,
                            hue=0.1)
                    ],
                    prob=0.8),
                dict(
                    type='GaussianBlur',
                    magnitude_range=(0.1, 2.0),
                    magnitude_std='inf',
                    prob=1.0),
                dict(type='rsfm.GaussNoise', var_limit=(10., 50.), prob=0.6),
                dict(type='Solarize', thr=128, prob=0.2),
                dict(type='RandomGrayscale', prob=0.2, keep_channels=True),
                mask,
            ],  # "view"
        ],
        collect=dict(mask='mask', grid='locations')),
    dict(type='PackInputs', algorithm_keys=['mask', 'locations'])
]
train_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='rsfm.UnlabeledImageDataset',
        data_root='data/millionaid',
        data_prefix=dict(img_path=''),
        pipeline=train_pipeline))
optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale=512.,
    optimizer=dict(
        type='rsfm.Adan',
        lr=4e-3,
        betas=(0.98, 0.92, 0.99),
        eps=1e-8,
        weight_decay=0.02),
    paramwise_cfg=dict(flat_decay_mult=0.))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=190, eta_min=1e-6, by_epoch=True,
         begin=10, end=200, convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200)
# teacher temperature 0.04 -> 0.07 over 50 epochs; the R50 yaml's
# model_warmup_epoch -1 reads the schedule one epoch ahead
custom_hooks = [
    dict(type='rsfm.TeacherTempHook', warmup_temp=0.04, temp=0.07,
         warmup_epochs=50, epoch_offset=1)
]
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=10))
auto_scale_lr = dict(enable=False, base_batch_size=256)
