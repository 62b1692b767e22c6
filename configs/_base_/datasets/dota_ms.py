# DOTA v1.0, multi-scale split, as papers' "MS" numbers are trained: the
# scenes at rates 0.5, 1.0 and 1.5 with gap 500 (tools/dataset_converters/
# dota.py --rates 0.5 1.0 1.5 --gaps 500), and a random rotation on top of
# the flips. NOTE: rsfm's splitter keeps the scene's pixels and cuts windows
# of 1024 / rate pixels (2048, 1024, 682), which the Resize below brings to
# 1024, where mmrotate's img_split.py resizes the scene and cuts 1024
# windows; the detector sees the same scales, and patch names carry scene
# pixel offsets, so merging the submission needs no rescaling. After open-mmlab/mmrotate (dev-1.x)
# configs/_base_/datasets/dota_ms.py: RandomRotate p=0.5 over 180 degrees,
# by multiples of 90 only for images with storage tanks (9) or roundabouts
# (11), whose boxes a free rotation would inflate.
#   data/split_ms_dota/trainval/{images,annfiles}, data/split_ms_dota/test/images
# Evaluation as the single-scale base: DOTAMetric on trainval patches, and
# the server-ready submission (patches merged into scenes, all scales) from
# `submission_dataloader` with --format-only.
_base_ = ['./dota.py']
data_root = 'data/split_ms_dota/'
train_pipeline = [
    dict(type='rsfm.LoadRGBImage'),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, box_type='qbox'),
    dict(type='ConvertBoxType', box_type_mapping=dict(gt_bboxes='rbox')),
    dict(type='mmdet.Resize', scale=(1024, 1024), keep_ratio=True),
    dict(
        type='mmdet.RandomFlip',
        prob=0.75,
        direction=['horizontal', 'vertical', 'diagonal']),
    dict(
        type='RandomRotate',
        prob=0.5,
        angle_range=180,
        rect_obj_labels=[9, 11]),
    dict(type='mmdet.PackDetInputs')
]
train_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
submission_dataloader = dict(dataset=dict(data_root=data_root))
