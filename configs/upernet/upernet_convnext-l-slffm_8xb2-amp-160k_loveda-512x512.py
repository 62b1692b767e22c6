custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets', 'rsfm.evaluation',
             'rsfm.engine'],
    allow_failed_imports=False)
# UperNet, SLFFM-pretrained ConvNeXt-L, LoveDA 512x512: SMLFR's
# convnext_l_loveda.py (reported mIoU 53.03, LoveDA test server). As the
# ConvNeXt-B config but for the backbone. Evaluation: 7 classes, slide 512 /
# 341, flip TTA (--tta), test-server mIoU from --format-only's zip.
_base_ = ['./upernet_convnext-b-slffm_8xb2-amp-160k_loveda-512x512.py']
pretrained = 'checkpoints/slffm_convnext-l.pth'
model = dict(
    backbone=dict(
        arch='large',
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    decode_head=dict(in_channels=[192, 384, 768, 1536]),
    auxiliary_head=dict(in_channels=768))
