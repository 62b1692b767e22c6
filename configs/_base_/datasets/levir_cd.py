# LEVIR-CD in the layout of tools/dataset_converters/levir_cd.py:
#   data/levir_cd/crop_256/{train,val,test}/{A,B,label}/*.png  (256 crops)
#   data/levir_cd/whole/{val,test}/{A,B,label}/*.png           (1024 images)
# Pipelines after open-cd 1.x configs/common/standard_256x256_40k_levircd.py
# and SMLFR's LEVIR-CD config: rotate, 256 crop, flips, exchange-time,
# per-date photometric distortion. SMLFR trains on train + val crops and
# tests on the test crops; val_dataloader monitors the test crops too (no
# checkpoint is selected on it).
dataset_type = 'rsfm.LEVIRCDDataset'
data_root = 'data/levir_cd'
crop_size = (256, 256)
train_pipeline = [
    dict(type='rsfm.MultiImgLoadImageFromFile'),
    dict(type='rsfm.MultiImgLoadAnnotations'),
    dict(type='rsfm.MultiImgRandomRotate', prob=0.5, degree=180),
    dict(type='rsfm.MultiImgRandomCrop', crop_size=crop_size),
    dict(type='rsfm.MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='rsfm.MultiImgRandomFlip', prob=0.5, direction='vertical'),
    dict(type='rsfm.MultiImgExchangeTime', prob=0.5),
    dict(
        type='rsfm.MultiImgPhotoMetricDistortion',
        brightness_delta=10,
        contrast_range=(0.8, 1.2),
        saturation_range=(0.8, 1.2),
        hue_delta=10),
    dict(type='rsfm.MultiImgPackSegInputs')
]
test_pipeline = [
    dict(type='rsfm.MultiImgLoadImageFromFile'),
    dict(type='rsfm.MultiImgLoadAnnotations'),
    dict(type='rsfm.MultiImgPackSegInputs')
]
# SMLFR tests with horizontal flips: `tools/test.py --tta`
tta_pipeline = [
    dict(type='rsfm.MultiImgLoadImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(type='rsfm.MultiImgRandomFlip', prob=0.,
                 direction='horizontal'),
            dict(type='rsfm.MultiImgRandomFlip', prob=1.,
                 direction='horizontal')
        ], [dict(type='rsfm.MultiImgLoadAnnotations')],
                    [dict(type='rsfm.MultiImgPackSegInputs')]])
]

train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(
                type=dataset_type,
                data_root=data_root,
                data_prefix=dict(
                    img_path_from=f'crop_256/{split}/A',
                    img_path_to=f'crop_256/{split}/B',
                    seg_map_path=f'crop_256/{split}/label'),
                pipeline=train_pipeline) for split in ('train', 'val')
        ]))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path_from='crop_256/test/A',
            img_path_to='crop_256/test/B',
            seg_map_path='crop_256/test/label'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='rsfm.ChangeDetectionMetric')
test_evaluator = val_evaluator
