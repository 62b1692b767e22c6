custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets.rotated', 'rsfm.engine'],
    allow_failed_imports=False)
# Oriented R-CNN (le90) + FPN, plain ViT-B, DIOR-R. No published number is
# targeted: none of the five papers fine-tunes an RGB ViT-B on DIOR-R
# (SpectralGPT's ViT-B is a Sentinel-2 model). This is the ViT-B baseline of
# the family with MAE's ImageNet-1k weights, on the ConvNeXt-B recipe's
# schedule (12 epochs, AdamW 1e-4, weight decay 0.05, grad clip 35, 8 GPUs x
# 2 images) with the layer-wise lr decay 0.75 of ViT fine-tuning (MAE, BEiT).
# Checkpoint: MAE's mae_pretrain_vit_base.pth (or any timm / mmpretrain
#   ViT-B/16; the 14x14 position table is resized to 50x50 at load).
# Evaluation: the 11,738 test images, mAP at IoU 0.5, VOC07 11-point (see
#   _base_/datasets/dior_r.py).
_base_ = [
    '../_base_/models/oriented-rcnn-le90_vit-b_fpn.py',
    '../_base_/datasets/dior_r.py',
    '../_base_/schedules/schedule_1x_adamw-ld.py',
    '../_base_/default_runtime_mmrotate.py',
]
pretrained = 'checkpoints/mae_vit-b.pth'
model = dict(
    backbone=dict(
        img_size=800,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    roi_head=dict(bbox_head=dict(num_classes=20)))
optim_wrapper = dict(
    paramwise_cfg=dict(layer_decay_rate=0.75, decay_type='layer_wise'))
