custom_imports = dict(
    imports=['rsfm.models', 'rsfm.models.pretrain', 'rsfm.datasets',
             'rsfm.engine'],
    allow_failed_imports=False)
# SpectralGPT pretraining, stage 2 (SpectralGPT+.pth): the stage-1 config
# continued on BigEarthNet-S2 at 128 px (mae_vit_base_patch8_128: 4 groups x
# 16 x 16 = 1024 tokens, 102 kept), lr 1e-4 x 4096 / 256 = 1.6e-3, per-band
# min-max with eps 1e-12 (util/datasets.py:711-713); 200 epochs as the README
# command (README.md:138 says 100).
# Data: tools/dataset_converters/bigearthnet.py writes data/bigearthnet/
#   <patch>.tif (12 named bands on the 10 m grid, 120 px).
# Init: the stage-1 checkpoint (SpectralGPT.pth or an rsfm stage-1 run);
#   its 12x12 spatial position tables do not fit 16x16 and are left
#   initialised (trunc normal 0.02), as SpectralGPT's --resume_different_size
#   drops them (main_pretrain.py:199-216): interpolate_pos_embed=False
#   (True interpolates them instead; reported either way).
_base_ = ['./spectralgpt_vit-b_8xb16-accum32-amp-200e_fmow-sentinel-96.py']
bands = ('B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A',
         'B09', 'B11', 'B12')
img_size = 128
model = dict(
    interpolate_pos_embed=False,
    init_cfg=dict(type='Pretrained', checkpoint='checkpoints/spectralgpt.pth'),
    backbone=dict(img_size=img_size),
    neck=dict(num_patches=(img_size // 8)**2))
train_pipeline = [
    dict(type='rsfm.LoadMultiBandImage', bands=bands, to_float32=True),
    dict(type='rsfm.MinMaxNormalize', eps=1e-12),
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.2, 1.0),
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs')
]
train_dataloader = dict(
    dataset=dict(data_root='data/bigearthnet', pipeline=train_pipeline))
optim_wrapper = dict(optimizer=dict(lr=1.6e-3))
