# LoveDA in mmseg's layout, as tools/dataset_converters/loveda.py writes it
# from the official Train.zip / Val.zip / Test.zip:
#   data/loveda/img_dir/{train,val,test}/N.png, data/loveda/ann_dir/{train,val}/N.png
# After open-mmlab/mmsegmentation v1.2.2 configs/_base_/datasets/loveda.py,
# with rsfm.LoadRGBImage and rsfm.CheckSegLabels. Masks hold 0 (no-data) and
# 1..7; LoveDADataset's reduce_zero_label makes no-data 255 (ignored) and the
# 7 classes 0..6. As SMLFR (HIT-SIRS/SMLFR SemanticSegmentation/configs/
# convnext_b_loveda.py) the model trains on train + val; the published
# numbers are mIoU from the test server (`submission_dataloader`:
# `tools/dist_test.sh CONFIG CKPT N --format-only --out-dir DIR` writes the
# PNGs with values 0..6 and DIR/loveda_submission.zip, PNGs at its root).
# val/test loaders score the val split (seen in training: a sanity check,
# not a result).
dataset_type = 'LoveDADataset'
data_root = 'data/loveda'
crop_size = (512, 512)
train_pipeline = [
    dict(type='rsfm.LoadRGBImage'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(
        type='RandomResize',
        scale=(2048, 512),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='rsfm.CheckSegLabels', num_classes=7),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='rsfm.LoadRGBImage'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='rsfm.CheckSegLabels', num_classes=7),
    dict(type='PackSegInputs')
]
submission_pipeline = [
    dict(type='rsfm.LoadRGBImage'),
    dict(type='PackSegInputs')
]
# SMLFR tests with horizontal flips at the original scale: `--tta`
tta_pipeline = [
    dict(type='rsfm.LoadRGBImage'),
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(type='RandomFlip', prob=0., direction='horizontal'),
            dict(type='RandomFlip', prob=1., direction='horizontal')
        ], [dict(type='LoadAnnotations', reduce_zero_label=True)],
                    [dict(type='PackSegInputs')]])
]
# the same on the unlabelled test split (`--format-only --tta`)
submission_tta_pipeline = [
    dict(type='rsfm.LoadRGBImage'),
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(type='RandomFlip', prob=0., direction='horizontal'),
            dict(type='RandomFlip', prob=1., direction='horizontal')
        ], [dict(type='PackSegInputs')]])
]
train_dataloader = dict(
    batch_size=2,
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
                    img_path=f'img_dir/{split}',
                    seg_map_path=f'ann_dir/{split}'),
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
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mFscore'])
test_evaluator = val_evaluator
# the unlabelled test split, for the LoveDA server
submission_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/test'),
        pipeline=submission_pipeline))
submission_evaluator = dict(
    type='rsfm.LoveDASubmissionMetric', output_dir='work_dirs/loveda')
