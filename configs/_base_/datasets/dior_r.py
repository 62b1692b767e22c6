# DIOR-R as released (no conversion, no splitting: 800x800 images):
#   data/dior_r/JPEGImages-trainval/*.jpg, JPEGImages-test/*.jpg
#   data/dior_r/Annotations/Oriented Bounding Boxes/*.xml
#   data/dior_r/ImageSets/Main/{train,val,test}.txt
# After open-mmlab/mmrotate (dev-1.x) configs/_base_/datasets/dior.py:
# trained on train + val, evaluated on test; rsfm.DIORRDataset (mmrotate's
# reader with errors naming the file) and rsfm.LoadRGBImage.
# Evaluation protocol: mmrotate's DOTAMetric as the DIOR-R literature
# (AOPG, SMLFR, MTP) reports it: mAP at IoU 0.5 with VOC07 11-point AP
# (eval_mode '11points', mmrotate's default and mmrotate 0.x's DIOR metric
# that SMLFR used); every object counts (no difficult flag).
dataset_type = 'rsfm.DIORRDataset'
data_root = 'data/dior_r/'
backend_args = None

train_pipeline = [
    dict(type='rsfm.LoadRGBImage', backend_args=backend_args),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, box_type='qbox'),
    dict(type='ConvertBoxType', box_type_mapping=dict(gt_bboxes='rbox')),
    dict(type='mmdet.Resize', scale=(800, 800), keep_ratio=True),
    dict(
        type='mmdet.RandomFlip',
        prob=0.75,
        direction=['horizontal', 'vertical', 'diagonal']),
    dict(type='mmdet.PackDetInputs')
]
test_pipeline = [
    dict(type='rsfm.LoadRGBImage', backend_args=backend_args),
    dict(type='mmdet.Resize', scale=(800, 800), keep_ratio=True),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, box_type='qbox'),
    dict(type='ConvertBoxType', box_type_mapping=dict(gt_bboxes='rbox')),
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
        type='ConcatDataset',
        datasets=[
            dict(
                type=dataset_type,
                data_root=data_root,
                ann_file=f'ImageSets/Main/{split}.txt',
                data_prefix=dict(img_path='JPEGImages-trainval'),
                filter_cfg=dict(filter_empty_gt=True),
                pipeline=train_pipeline) for split in ('train', 'val')
        ]))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageSets/Main/test.txt',
        data_prefix=dict(img_path='JPEGImages-test'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='DOTAMetric', metric='mAP', iou_thrs=[0.5],
                     eval_mode='11points')
test_evaluator = val_evaluator
