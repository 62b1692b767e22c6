custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets.rotated', 'rsfm.engine'],
    allow_failed_imports=False)
# Oriented R-CNN (le90) + FPN, SLFFM-pretrained ConvNeXt-B, DOTA v1.0
# multi-scale: SMLFR's single-scale recipe (79.15 mAP single-scale) trained
# and tested on the multi-scale split (rates 0.5 / 1.0 / 1.5, gap 500) with
# random rotation, as papers' "MS" rows. SMLFR publishes no MS number.
# Evaluation: DOTA test results, patches of all scales merged into scenes,
#   go to the server with --format-only (Task1 files and the zip).
_base_ = [
    '../_base_/models/oriented-rcnn-le90_convnext-b_fpn.py',
    '../_base_/datasets/dota_ms.py',
    '../_base_/schedules/schedule_1x_adamw-ld.py',
    '../_base_/default_runtime_mmrotate.py',
]
pretrained = 'checkpoints/slffm_convnext-b.pth'
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained)))
find_unused_parameters = False
