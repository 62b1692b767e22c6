# CDD (season-varying, Lebedev et al. 2018) in the layout of
# tools/dataset_converters/cdd.py:
#   data/cdd/{train,val,test}/{A,B}/*.jpg, data/cdd/{train,val,test}/label/*.png
# 10000 / 3000 / 3000 pairs of 256x256 crops, used whole (no cropping).
# Augmentation of CMID's ChangeDetection/utils/transforms.py: horizontal and
# vertical flips (each p=0.5) and a rotation by 90, 180 or 270 degrees
# (p=0.75: CMID's RandomFixRotate draws 0, 90, 180 or 270).
dataset_type = 'rsfm.CDDDataset'
data_root = 'data/cdd'
train_pipeline = [
    dict(type='rsfm.MultiImgLoadImageFromFile'),
    dict(type='rsfm.MultiImgLoadAnnotations'),
    dict(type='rsfm.MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='rsfm.MultiImgRandomFlip', prob=0.5, direction='vertical'),
    dict(type='rsfm.MultiImgRandomRot90', prob=0.75),
    dict(type='rsfm.MultiImgPackSegInputs')
]
test_pipeline = [
    dict(type='rsfm.MultiImgLoadImageFromFile'),
    dict(type='rsfm.MultiImgLoadAnnotations'),
    dict(type='rsfm.MultiImgPackSegInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path_from='train/A', img_path_to='train/B',
            seg_map_path='train/label'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path_from='val/A', img_path_to='val/B',
            seg_map_path='val/label'),
        pipeline=test_pipeline))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(
        val_dataloader['dataset'],
        data_prefix=dict(
            img_path_from='test/A', img_path_to='test/B',
            seg_map_path='test/label')))
val_evaluator = dict(type='rsfm.ChangeDetectionMetric')
test_evaluator = val_evaluator
