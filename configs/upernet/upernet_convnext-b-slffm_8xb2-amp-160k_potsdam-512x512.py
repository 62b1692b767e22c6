custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets', 'rsfm.engine'],
    allow_failed_imports=False)
# UperNet, SLFFM-pretrained ConvNeXt-B, ISPRS Potsdam 512x512 crops.
# Recipe of SMLFR's convnext_b_potsdam.py (reported OA 91.72): 160k iterations,
# 8 GPUs x 2 images, AdamW 1e-4 with stage-wise lr decay 0.9, fp16.
# Checkpoint: SMLFR's released ConvNeXt-B pretraining file as-is (the
#   `module`-wrapped encoder or the with-decoder file); official, mmpretrain
#   and timm ConvNeXt-B checkpoints load too. Loading prints a report.
# Evaluation: 5 classes (boundary and clutter ignored, see
#   _base_/datasets/potsdam.py), slide inference with 512 windows at stride
#   341 on the original 512 clips; OA (aAcc), mIoU, mFscore.
_base_ = [
    '../_base_/models/upernet_convnext-b.py',
    '../_base_/datasets/potsdam.py',
    '../_base_/schedules/schedule_160k_adamw-ld.py',
    '../_base_/default_runtime_mmseg.py',
]
crop_size = (512, 512)
pretrained = 'checkpoints/slffm_convnext-b.pth'
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    decode_head=dict(num_classes=5),
    auxiliary_head=dict(num_classes=5),
    # NOTE: SMLFR adds horizontal-flip test-time augmentation; use
    # `tools/test.py --tta` for it (mmseg's SegTTAModel, tta_pipeline).
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(341, 341)))
