custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets', 'rsfm.evaluation',
             'rsfm.engine'],
    allow_failed_imports=False)
# UperNet, plain ViT-B, LoveDA 512x512. No published number is targeted:
# none of the five papers fine-tunes an RGB ViT-B on LoveDA (SpectralGPT's
# ViT-B is a Sentinel-2 model). This is the ViT-B baseline of the family with
# MAE's ImageNet-1k weights, on the ConvNeXt-B recipe's schedule (160k
# iterations, AdamW 1e-4, weight decay 0.05, fp16, 8 GPUs x 2 images) with
# mmseg's MAE UperNet layer-wise lr decay 0.65.
# Checkpoint: MAE's mae_pretrain_vit_base.pth (or any timm / mmpretrain
#   ViT-B/16; the 14x14 position table is resized to 32x32 at load).
# Evaluation: as the ConvNeXt-B LoveDA config: train + val, 7 classes,
#   slide 512 / 341, test-server mIoU from --format-only's zip (--tta for
#   flips).
_base_ = [
    '../_base_/models/upernet_vit-b.py',
    '../_base_/datasets/loveda.py',
    '../_base_/schedules/schedule_160k_adamw-ld.py',
    '../_base_/default_runtime_mmseg.py',
]
crop_size = (512, 512)
pretrained = 'checkpoints/mae_vit-b.pth'
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    decode_head=dict(num_classes=7),
    auxiliary_head=dict(num_classes=7),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(341, 341)))
optim_wrapper = dict(
    paramwise_cfg=dict(layer_decay_rate=0.65, decay_type='layer_wise'))
