# Oriented R-CNN (le90) + FPN with rsfm.ResNet-50: the ConvNeXt-B model with
# mmrotate 0.x's ResNet-50 backbone settings (stage 1 and BN statistics
# frozen), as CMID's and GeRSP's detection configs use them.
_base_ = ['./oriented-rcnn-le90_convnext-b_fpn.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='rsfm.ResNet',
        depth=50,
        frozen_stages=1,
        norm_eval=True),
    neck=dict(in_channels=[256, 512, 1024, 2048]))
