# Oriented R-CNN (le90) + FPN with a plain rsfm.VisionTransformer-B
# (patch 16, drop path 0.1): blocks 3, 5, 7, 11 as a 4-level pyramid
# (strides 4 to 32, deconvolutions and pooling as in BEiT / MAE / RVSA
# detection), 768 channels each, into the ConvNeXt-B model's FPN.
_base_ = ['./oriented-rcnn-le90_convnext-b_fpn.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='rsfm.VisionTransformer',
        arch='base',
        img_size=1024,
        patch_size=16,
        out_indices=(3, 5, 7, 11),
        drop_path_rate=0.1),
    neck=dict(in_channels=[768, 768, 768, 768]))
