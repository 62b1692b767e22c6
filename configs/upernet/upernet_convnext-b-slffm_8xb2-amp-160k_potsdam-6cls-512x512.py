custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets', 'rsfm.engine'],
    allow_failed_imports=False)
# UperNet, SLFFM-pretrained ConvNeXt-B, ISPRS Potsdam with mmseg's protocol:
# 6 classes (clutter trained and evaluated; only boundary pixels ignored),
# where SMLFR and CMID ignore clutter (5 classes). Same recipe as the
# 5-class config; no published SLFFM number for this protocol.
# Evaluation: slide 512 / 341 on the 512 clips, single scale; mIoU (the
#   number mmseg's Potsdam tables give), aAcc, mFscore over 6 classes.
_base_ = ['./upernet_convnext-b-slffm_8xb2-amp-160k_potsdam-512x512.py']
crop_size = (512, 512)
train_pipeline = [
    dict(type='rsfm.LoadRGBImage'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(512, 512),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='rsfm.CheckSegLabels', num_classes=6),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='rsfm.LoadRGBImage'),
    dict(type='LoadAnnotations'),
    dict(type='rsfm.CheckSegLabels', num_classes=6),
    dict(type='PackSegInputs')
]
# metainfo=None: PotsdamDataset's own 6 classes (reduce_zero_label maps the
# boundary label 0 to 255)
train_dataloader = dict(dataset=dict(metainfo=None, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(metainfo=None, pipeline=test_pipeline))
test_dataloader = val_dataloader
model = dict(
    decode_head=dict(num_classes=6), auxiliary_head=dict(num_classes=6))
