custom_imports = dict(
    imports=['rsfm.models', 'rsfm.models.change_detection',
             'rsfm.datasets.change_detection', 'rsfm.evaluation',
             'rsfm.engine'],
    allow_failed_imports=False)
# BIT, SLFFM-pretrained ConvNeXt-L, LEVIR-CD 256x256 crops: SMLFR's
# convnext_large_bit.py (reported F1 93.89, changed class). As the ConvNeXt-B
# config but for the backbone (dims 192..1536; stage 0 gives 192 channels
# per date). Evaluation: the 256 test crops, `change_F1`; `--tta` for flips.
_base_ = ['./bit_convnext-b-slffm_8xb8-20k_levir-cd-256x256.py']
pretrained = 'checkpoints/slffm_convnext-l.pth'
model = dict(
    backbone=dict(
        arch='large',
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    decode_head=dict(in_channels=192))
