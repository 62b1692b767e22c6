# UperNet with a plain rsfm.VisionTransformer-B (patch 16, drop path 0.1):
# blocks 3, 5, 7, 11 as a 4-level pyramid (strides 4 to 32), 768 channels
# each, into the ConvNeXt-B model's heads (mmseg's MAE / BEiT UperNet
# settings).
_base_ = ['./upernet_convnext-b.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='rsfm.VisionTransformer',
        arch='base',
        img_size=512,
        patch_size=16,
        out_indices=(3, 5, 7, 11),
        drop_path_rate=0.1),
    decode_head=dict(in_channels=[768, 768, 768, 768]),
    auxiliary_head=dict(in_channels=768))
