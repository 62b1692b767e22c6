custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets', 'rsfm.engine'],
    allow_failed_imports=False)
# The first-run demo (`python tools/demo.py`): UperNet on a ConvNeXt-atto,
# trained from scratch for 300 iterations on synthetic Potsdam-like clips
# that tools/demo.py generates (rsfm/utils/synthetic.py; no download), then
# run on a generated GeoTIFF scene with tools/inference.py.
# It targets no published number: it shows the pipeline end to end in a few
# minutes on a 2-core CPU.
# Evaluation: Potsdam's 5-class protocol (boundary and clutter ignored, see
#   _base_/datasets/potsdam.py) on the synthetic val clips, whole-image
#   inference, single scale, no TTA; aAcc (OA), mIoU, mFscore.
_base_ = [
    '../_base_/models/upernet_convnext-b.py',
    '../_base_/datasets/potsdam.py',
    '../_base_/default_runtime_mmseg.py',
]
data_root = 'work_dirs/demo/data'
crop_size = (128, 128)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(arch='atto', drop_path_rate=0.1),
    decode_head=dict(
        in_channels=[40, 80, 160, 320], channels=64, num_classes=5,
        norm_cfg=norm_cfg),
    auxiliary_head=dict(
        in_channels=160, channels=32, num_classes=5, norm_cfg=norm_cfg),
    test_cfg=dict(mode='whole'))
train_pipeline = [
    dict(type='rsfm.LoadRGBImage'),
    dict(type='LoadAnnotations'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='rsfm.CheckSegLabels', num_classes=5),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(num_workers=2, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, betas=(0.9, 0.999),
                   weight_decay=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=20),
    dict(type='PolyLR', power=1.0, eta_min=0., by_epoch=False, begin=20,
         end=300),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=300,
                 val_interval=300)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(by_epoch=False, interval=300, max_keep_ckpts=1))
