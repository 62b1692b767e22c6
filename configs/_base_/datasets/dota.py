# DOTA v1.0, single-scale split (1024x1024 patches, gap 200), as SMLFR trains.
# Local copy of open-mmlab/mmrotate (dev-1.x) configs/_base_/datasets/dota.py.
# Differences: rsfm.DOTADataset (reads raw and split label grammars, clear
# errors; custom_imports 'rsfm.datasets.rotated'), rsfm.LoadRGBImage (refuses
# 4-band or 16-bit files that mmdet's loader would silently change), and a
# `submission_dataloader` that `tools/test.py --format-only` uses for the
# unlabeled test split.
# Loader workers are upstream's (GPU recipes); CPU smoke tests shrink them.
#
# Prepare with tools/dataset_converters/dota.py:
#   data/split_ss_dota/trainval/{images,annfiles}  (DOTA train + val)
#   data/split_ss_dota/test/images                 (DOTA test, no labels)
dataset_type = 'rsfm.DOTADataset'
data_root = 'data/split_ss_dota/'
backend_args = None

train_pipeline = [
    dict(type='rsfm.LoadRGBImage', backend_args=backend_args),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, box_type='qbox'),
    dict(type='ConvertBoxType', box_type_mapping=dict(gt_bboxes='rbox')),
    dict(type='mmdet.Resize', scale=(1024, 1024), keep_ratio=True),
    dict(
        type='mmdet.RandomFlip',
        prob=0.75,
        direction=['horizontal', 'vertical', 'diagonal']),
    dict(type='mmdet.PackDetInputs')
]
val_pipeline = [
    dict(type='rsfm.LoadRGBImage', backend_args=backend_args),
    dict(type='mmdet.Resize', scale=(1024, 1024), keep_ratio=True),
    # loaded after Resize so that the ground truth keeps patch coordinates
    dict(type='mmdet.LoadAnnotations', with_bbox=True, box_type='qbox'),
    dict(type='ConvertBoxType', box_type_mapping=dict(gt_bboxes='rbox')),
    dict(
        type='mmdet.PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
test_pipeline = [
    dict(type='rsfm.LoadRGBImage', backend_args=backend_args),
    dict(type='mmdet.Resize', scale=(1024, 1024), keep_ratio=True),
    dict(
        type='mmdet.PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=None,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='trainval/annfiles/',
        data_prefix=dict(img_path='trainval/images/'),
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='trainval/annfiles/',
        data_prefix=dict(img_path='trainval/images/'),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='DOTAMetric', metric='mAP')
test_evaluator = val_evaluator

# DOTA test split (no labels): `tools/test.py --format-only --out-dir DIR`
# runs on this loader and writes DIR/Task1_<class>.txt and DIR.zip (patch
# results merged into scenes) for the DOTA evaluation server.
submission_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='',
        data_prefix=dict(img_path='test/images/'),
        test_mode=True,
        pipeline=test_pipeline))
submission_evaluator = dict(
    type='DOTAMetric', format_only=True, merge_patches=True,
    outfile_prefix='work_dirs/dota/Task1')
