# UperNet with rsfm.ResNet-50: the ConvNeXt-B model with ResNet-50's stage
# widths (CMID's Potsdam and mmseg's ResNet UperNet settings).
_base_ = ['./upernet_convnext-b.py']
model = dict(
    backbone=dict(_delete_=True, type='rsfm.ResNet', depth=50),
    decode_head=dict(in_channels=[256, 512, 1024, 2048]),
    auxiliary_head=dict(in_channels=1024))
