custom_imports = dict(
    imports=['rsfm.models', 'rsfm.datasets', 'rsfm.engine'],
    allow_failed_imports=False)
# UperNet, SLFFM-pretrained ConvNeXt-L, ISPRS Potsdam 512x512: SMLFR's
# convnext_l_potsdam.py (reported OA 91.82, SMLFR README). As the ConvNeXt-B
# config but for the backbone. Evaluation: 5 classes (boundary and clutter
# ignored), slide 512 / 341, OA (aAcc) headline, mIoU, mFscore; --tta flips.
_base_ = ['./upernet_convnext-b-slffm_8xb2-amp-160k_potsdam-512x512.py']
pretrained = 'checkpoints/slffm_convnext-l.pth'
model = dict(
    backbone=dict(
        arch='large',
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    decode_head=dict(in_channels=[192, 384, 768, 1536]),
    auxiliary_head=dict(in_channels=768))
