custom_imports = dict(
    imports=['rsfm.models', 'rsfm.models.data_preprocessors.seg',
             'rsfm.datasets', 'rsfm.engine'],
    allow_failed_imports=False)
# UperNet, SpectralGPT-pretrained spectral ViT-B, ISPRS Potsdam RGBIR:
# 4 bands (R, G, B, NIR) in, 256x256 crops. No published number: SpectralGPT
# reports Sentinel-2 benchmarks only (SegMunich, OSCD, EuroSAT, BigEarthNet).
# NOTE: SpectralGPT embeds 3 consecutive Sentinel-2 bands per token; the 4
#   Potsdam bands are no multiple of 3 and no Sentinel-2 group, so this
#   config embeds one band per token (t_patch_size=1): the released 3-band
#   kernel is summed over its bands (a band's token is the checkpoint's
#   token of three copies of it), and each band takes the spectral embedding
#   of the Sentinel-2 group holding its nearest band: R = B04 (group 1:
#   B04-B06), G = B03 and B = B02 (group 0: B01-B03), NIR = B08 (group 2:
#   B07-B8A). Loading reports both adaptations.
# NOTE: 256 crops, not the family's 512: 4 bands x (256 / 8)^2 = 4096 tokens
#   under global attention (16384 at 512).
# Model: blocks 3, 5, 7, 11 as a 4-level pyramid (strides 4 to 32) into
#   UperNet; the spatial embedding (16x16 at SpectralGPT's 128 px) is resized
#   to 32x32 at load.
# Inputs: /255 per band (SpectralGPT min-max scales each Sentinel-2 image to
#   [0, 1]; the Potsdam tiles are already 8-bit).
# Training: SpectralGPT's SegMunich fine-tuning optimizer (downstream_tasks/
#   SegMunich/train_multi_GPU_new.py: AdamW lr 1e-4, weight decay 1e-5, fp32)
#   on the family's 160k-iteration warm-up + poly schedule, 8 GPUs x 2.
# Checkpoint: SpectralGPT.pth or SpectralGPT+.pth as released.
# Evaluation: as the RGBIR config: 5 classes (boundary and clutter ignored),
#   slide inference 256 / stride 171, OA (aAcc), mIoU, mFscore; `--tta` adds
#   horizontal flips.
_base_ = ['./upernet_convnext-b-slffm_8xb2-amp-160k_potsdam-rgbir-512x512.py']
bands = ('R', 'G', 'B', 'NIR')
crop_size = (256, 256)
pretrained = 'checkpoints/spectralgpt.pth'
model = dict(
    data_preprocessor=dict(
        mean=[0., 0., 0., 0.], std=[255., 255., 255., 255.], size=crop_size),
    backbone=dict(
        _delete_=True,
        type='rsfm.SpectralViT',
        arch='base',
        img_size=256,
        patch_size=8,
        t_patch_size=1,
        in_channels=4,
        bands=bands,
        out_indices=(3, 5, 7, 11),
        drop_path_rate=0.1,
        init_cfg=dict(
            type='Pretrained',
            checkpoint=pretrained,
            spectral_groups=[1, 0, 0, 2])),
    decode_head=dict(in_channels=[768, 768, 768, 768]),
    auxiliary_head=dict(in_channels=768),
    test_cfg=dict(crop_size=crop_size, stride=(171, 171)))
train_pipeline = [
    dict(type='rsfm.LoadMultiBandImage', file_bands=bands),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(512, 512),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='rsfm.CheckSegLabels', num_classes=5),
    dict(type='PackSegInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=1e-5))
