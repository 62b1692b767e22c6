custom_imports = dict(
    imports=['rsfm.models', 'rsfm.models.change_detection',
             'rsfm.datasets.change_detection', 'rsfm.evaluation',
             'rsfm.engine'],
    allow_failed_imports=False)
# BIT, SLFFM-pretrained ConvNeXt-B, LEVIR-CD 256x256 crops: the recipe of
# SMLFR's ChangeDetection/configs/convnext/convnext_base_bit.py (reported
# F1 93.66, the F1 of the changed class, SMLFR README).
# Checkpoint: SMLFR's released ConvNeXt-B pretraining file as-is (see the
#   weights table in README.md); loading prints a report.
# Training: 8 GPUs x 8 pairs, 20k iterations on the train + val 256 crops.
# Evaluation protocol: the 2048 non-overlapping 256 crops of the 128 test
#   images, each predicted whole (no sliding window); the score to compare
#   is `change_F1` (changed class, one confusion matrix over all test
#   pixels; `mean_F1` is the two-class mean some tables report). SMLFR adds
#   horizontal-flip test-time augmentation: `tools/test.py --tta`.
#   bit_convnext-b-slffm_8xb8-20k_levir-cd-whole-slide256.py evaluates the
#   1024 images by sliding window instead.
_base_ = [
    '../_base_/models/bit_convnext-b.py',
    '../_base_/datasets/levir_cd.py',
    '../_base_/schedules/schedule_20k_adamw-ld.py',
    '../_base_/default_runtime_mmseg.py',
]
pretrained = 'checkpoints/slffm_convnext-b.pth'
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained)))
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=4000,
                    max_keep_ckpts=3),
    visualization=dict(type='rsfm.CDVisualizationHook'))
tta_model = dict(type='SegTTAModel')
