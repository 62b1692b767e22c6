custom_imports = dict(
    imports=['rsfm.models', 'rsfm.models.pretrain', 'rsfm.datasets',
             'rsfm.engine'],
    allow_failed_imports=False)
# SLFFM pretraining of ConvNeXt-B at SMLFR's settings (HIT-SIRS/SMLFR
# Pretrain/: README.md:78, utils/arg_util.py, main.py, utils/lr_control.py):
# 224 px RGB, 60% of the 7x7 grid of 32-px cells masked (20 kept), sparse
# ConvNeXt-B (drop path 0.3, as SMLFR's build_convnext hard-wires it),
# densify with LayerNorm, light UNet decoder of width 768 (SyncBN),
# low-pass target (radius 40 at 224) normalised per 32-px patch, MSE on
# masked patches. LAMB (betas 0.9 / 0.999, eps 1e-6, its internal global
# gradient-norm clip 5), lr 2e-4 x 1024 / 256 = 8e-4 for 8 GPUs x 128,
# 5 warm-up epochs from 0.005 of it, cosine to 0.001 of it, per iteration;
# weight decay cosine from 0.04 to 0.2 (none on norms, biases, layer scales
# and mask tokens); 200 epochs; fp32.
# Data: GeoSense (the SMLFR paper's pretraining set) or any folder of
#   images under data/pretrain (see _base_/datasets/unlabeled_rgb_224.py).
# Continue from SMLFR's files: model.init_cfg=dict(type='Pretrained',
#   checkpoint=...) takes the whole-model file main.py writes ({'module':
#   ...}: encoder, decoder, densify layers and mask tokens), an encoder-only
#   file (decoder initialised) or an rsfm SLFFM checkpoint; loading prints a
#   report. No downstream number belongs to this config: its checkpoint
#   feeds the *_convnext-b-slffm_* configs (backbone keys `backbone.*`).
_base_ = [
    '../_base_/datasets/unlabeled_rgb_224.py',
    '../_base_/default_runtime_mmpretrain.py',
]
mean = [123.675, 116.28, 103.53]
std = [58.395, 57.12, 57.375]
model = dict(
    type='rsfm.SLFFM',
    mask_ratio=0.6,
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor', mean=mean, std=std, to_rgb=True),
    backbone=dict(
        type='rsfm.SparseConvNeXt', arch='base', drop_path_rate=0.3),
    neck=dict(type='rsfm.SLFFMDecoder', width=768, up_sample_ratio=32),
    head=dict(type='rsfm.SLFFMHead', patch_size=32),
    target_generator=dict(
        type='rsfm.LowFreqTarget', mean=mean, std=std, radius=40.,
        base_size=224, img_size=224))
# SMLFR's decoder uses SyncBN under DDP (utils/arg_util.py:110-111)
sync_bn = 'torch'
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='Lamb', lr=8e-4, betas=(0.9, 0.999), eps=1e-6,
        weight_decay=0.04, max_grad_norm=5.0),
    paramwise_cfg=dict(
        norm_decay_mult=0.,
        bias_decay_mult=0.,
        flat_decay_mult=0.,
        custom_keys={'mask_tokens': dict(decay_mult=0.)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.005, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=195, eta_min_ratio=0.001,
         by_epoch=True, begin=5, end=200, convert_to_iter_based=True),
    dict(type='CosineAnnealingParamScheduler', param_name='weight_decay',
         eta_min_ratio=5.0, T_max=200, by_epoch=True, begin=0, end=200,
         convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200)
auto_scale_lr = dict(enable=False, base_batch_size=1024)
