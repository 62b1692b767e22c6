# UperNet with rsfm.SwinTransformer-B (window 7, drop path 0.3): the
# ConvNeXt-B model with Swin-B's stage widths (mmseg's Swin UperNet
# settings).
_base_ = ['./upernet_convnext-b.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='rsfm.SwinTransformer',
        arch='base',
        window_size=7,
        drop_path_rate=0.3),
    decode_head=dict(in_channels=[128, 256, 512, 1024]),
    auxiliary_head=dict(in_channels=512))
