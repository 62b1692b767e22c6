# Unlabeled RGB images (GeoSense, GeoPile, MillionAID: folder trees of PNG /
# JPG / TIFF, or a list file) for masked-image-modelling pretraining at 224:
# SMLFR's augmentation (Pretrain/utils/imagenet.py:66-71): RandomResizedCrop
# 224, scale (0.67, 1), bicubic; horizontal flip; ImageNet normalisation in
# the data preprocessor. Layout: data/pretrain/<any folders>/<images>.
data_root = 'data/pretrain'
train_pipeline = [
    dict(type='rsfm.LoadRGBImage'),
    dict(
        type='RandomResizedCrop',
        scale=224,
        crop_ratio_range=(0.67, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs')
]
train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='rsfm.UnlabeledImageDataset',
        data_root=data_root,
        data_prefix=dict(img_path=''),
        pipeline=train_pipeline))
