# Oriented R-CNN (le90) + FPN with rsfm.SwinTransformer-B (window 7, drop
# path 0.3): the ConvNeXt-B model with Swin-B's stage widths, as CMID's
# Swin-B detection config sets them.
_base_ = ['./oriented-rcnn-le90_convnext-b_fpn.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='rsfm.SwinTransformer',
        arch='base',
        window_size=7,
        drop_path_rate=0.3),
    neck=dict(in_channels=[128, 256, 512, 1024]))
