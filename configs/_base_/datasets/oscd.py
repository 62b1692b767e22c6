# OSCD (Onera Satellite Change Detection) in the layout of
# tools/dataset_converters/oscd.py:
#   data/oscd/{train,test}/{A,B}/CITY.tif  (13-band Sentinel-2 L1C, 10 m,
#       band descriptions B01..B12, B8A; georeferenced)
#   data/oscd/{train,test}/label/CITY.png  (0/255)
# 14 training and 10 test cities (the release's train.txt / test.txt). The
# 12 bands SpectralGPT is pretrained on are read by name (B10, cirrus, is
# left out), in SpectralGPT's order. Pipelines after SpectralGPT's
# downstream_tasks/OSCD: 128 crops, flips and 90-degree rotations, each
# band of each date scaled to [0, 1] by its min and max in the crop.
dataset_type = 'rsfm.OSCDDataset'
data_root = 'data/oscd'
crop_size = (128, 128)
bands = ('B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A',
         'B09', 'B11', 'B12')
train_pipeline = [
    dict(type='rsfm.MultiImgLoadMultiBandImage', bands=bands),
    dict(type='rsfm.MultiImgLoadAnnotations'),
    dict(type='rsfm.MultiImgRandomCrop', crop_size=crop_size),
    dict(type='rsfm.MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='rsfm.MultiImgRandomRot90', prob=0.75),
    dict(type='rsfm.MultiImgMinMaxNormalize'),
    dict(type='rsfm.MultiImgPackSegInputs')
]
# NOTE: whole cities are normalised by their own min and max (SpectralGPT
# normalises each overlapping 128 test patch).
test_pipeline = [
    dict(type='rsfm.MultiImgLoadMultiBandImage', bands=bands),
    dict(type='rsfm.MultiImgLoadAnnotations'),
    dict(type='rsfm.MultiImgMinMaxNormalize'),
    dict(type='rsfm.MultiImgPackSegInputs')
]
train_dataloader = dict(
    batch_size=32,
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
            img_path_from='test/A', img_path_to='test/B',
            seg_map_path='test/label'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='rsfm.ChangeDetectionMetric')
test_evaluator = val_evaluator
