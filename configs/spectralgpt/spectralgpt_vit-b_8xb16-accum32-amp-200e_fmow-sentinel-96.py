custom_imports = dict(
    imports=['rsfm.models', 'rsfm.models.pretrain', 'rsfm.datasets',
             'rsfm.engine'],
    allow_failed_imports=False)
# SpectralGPT pretraining, stage 1 (SpectralGPT.pth) at the paper's settings
# (danfenghong/IEEE_TPAMI_SpectralGPT README.md:47-80, main_pretrain.py,
# models_mae_spectral.py mae_vit_base_patch8_96, util/datasets.py):
# fMoW-Sentinel, 13 bands with B10 dropped -> 12, each image scaled to
# [0, 1] per band by its min and max, RandomResizedCrop 96 (scale 0.2-1,
# bicubic, on the float image), horizontal flip; 3D ViT-B (patch 8 x 8 x 3
# bands -> 4 spectral groups x 12 x 12 = 576 tokens), 90% masked (57 kept),
# decoder 512 / 4 blocks / 16 heads; masked-token MSE + spectral-sum loss.
# AdamW betas (0.9, 0.95), weight decay 0.05 (none on 1-D parameters and
# biases), lr 2e-4 x 4096 / 256 = 3.2e-3 for 8 GPUs x 16 images x 32
# accumulation steps, 20 warm-up epochs from 0 then half-cosine to 0, per
# iteration; fp16 AMP; 200 epochs.
# Data: data/fmow-sentinel/**/*.tif (13-band GeoTIFFs in fMoW-Sentinel's band
#   order, no band descriptions needed).
# Continue from SpectralGPT's files: model.init_cfg=dict(type='Pretrained',
#   checkpoint=...) takes the whole MAE file ({'model': ...}: encoder and
#   decoder), an encoder-only file or an rsfm checkpoint, with a report. No
#   downstream number belongs to this config; its checkpoint feeds the
#   *_spectral-vit-b-spectralgpt_* configs (keys `backbone.*`).
_base_ = ['../_base_/default_runtime_mmpretrain.py']
#: fMoW-Sentinel's file order, and the 12 bands SpectralGPT keeps
file_bands = ('B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A',
              'B09', 'B10', 'B11', 'B12')
bands = ('B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A',
         'B09', 'B11', 'B12')
img_size = 96
model = dict(
    type='rsfm.SpectralGPT',
    mask_ratio=0.9,
    data_preprocessor=dict(type='SelfSupDataPreprocessor'),  # [0, 1] input
    backbone=dict(
        type='rsfm.MaskedSpectralViT',
        arch='base',
        img_size=img_size,
        patch_size=8,
        t_patch_size=3,
        in_channels=12,
        bands=bands),
    neck=dict(
        type='rsfm.SpectralGPTDecoder',
        in_channels=768,
        embed_dims=512,
        depth=4,
        num_heads=16,
        num_patches=(img_size // 8)**2,
        num_groups=4,
        patch_values=3 * 8 * 8),
    head=dict(type='rsfm.SpectralGPTHead', patch_size=8, t_patch_size=3))
train_pipeline = [
    dict(type='rsfm.LoadMultiBandImage', bands=bands, file_bands=file_bands,
         to_float32=True),
    dict(type='rsfm.MinMaxNormalize', eps=1e-10),
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.2, 1.0),
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs')
]
train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='rsfm.UnlabeledImageDataset',
        data_root='data/fmow-sentinel',
        data_prefix=dict(img_path=''),
        extensions=('.tif', '.tiff'),
        pipeline=train_pipeline))
optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    accumulative_counts=32,
    optimizer=dict(
        type='AdamW', lr=3.2e-3, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(bias_decay_mult=0., flat_decay_mult=0.))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-9, by_epoch=True, begin=0, end=20,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=180, eta_min=0., by_epoch=True,
         begin=20, end=200, convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200)
auto_scale_lr = dict(enable=False, base_batch_size=4096)
