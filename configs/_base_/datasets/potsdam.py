# ISPRS Potsdam in mmseg's layout, as tools/dataset_converters/potsdam.py
# writes it from the ISPRS archives (or mmseg's own converter): 512x512 clips
#   data/potsdam/img_dir/{train,val}/*.png, data/potsdam/ann_dir/{train,val}/*.png
# Local copy of open-mmlab/mmsegmentation v1.2.2 configs/_base_/datasets/potsdam.py.
# Loader workers are upstream's (GPU recipes); CPU smoke tests shrink them.
# rsfm.LoadRGBImage (custom_imports 'rsfm.datasets') refuses 4-band or 16-bit
# files that mmseg's loader would silently change; rsfm.CheckSegLabels names a
# label file with colour maps or values outside the 5 classes and 255.
#
# Evaluation protocol as SMLFR: label 0 (boundary) and clutter are ignored, the
# five classes below are trained and evaluated. reduce_zero_label maps
# boundary to 255; naming a subset of PotsdamDataset's classes in `metainfo`
# makes mmseg map clutter to 255 as well (BaseSegDataset.get_label_map).
# Metrics: aAcc (overall accuracy, OA), mIoU and mFscore.
dataset_type = 'PotsdamDataset'
data_root = 'data/potsdam'
crop_size = (512, 512)
metainfo = dict(
    classes=('impervious_surface', 'building', 'low_vegetation', 'tree',
             'car'))
train_pipeline = [
    dict(type='rsfm.LoadRGBImage'),
    dict(type='LoadAnnotations'),  # reduce_zero_label: see the datasets
    dict(
        type='RandomResize',
        scale=(512, 512),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='rsfm.CheckSegLabels', num_classes=5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='rsfm.LoadRGBImage'),
    # original resolution, slide inference (see the model's test_cfg)
    dict(type='LoadAnnotations'),  # reduce_zero_label: see the datasets
    dict(type='rsfm.CheckSegLabels', num_classes=5),
    dict(type='PackSegInputs')
]
# SMLFR tests with horizontal flips at the original scale: `tools/test.py --tta`
tta_pipeline = [
    dict(type='rsfm.LoadRGBImage', backend_args=None),
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(type='RandomFlip', prob=0., direction='horizontal'),
            dict(type='RandomFlip', prob=1., direction='horizontal')
        ], [dict(type='LoadAnnotations')], [dict(type='PackSegInputs')]])
]
train_dataloader = dict(
    batch_size=2,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        reduce_zero_label=True,
        data_prefix=dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        reduce_zero_label=True,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mFscore'])
test_evaluator = val_evaluator
