# BIT (bitemporal image transformer) change detector with rsfm.ConvNeXt-B.
# Structure of open-cd 1.x configs/_base_/models/bit_r18.py (SiamEncoderDecoder,
# FeatureFusionNeck concat, BITHead) with the backbone and head settings of
# SMLFR's ChangeDetection/configs/convnext/convnext_base_bit.py: stage-0
# features (stride 4, 128 channels per date), channels 32, embed 64, encoder
# depth 1, decoder depth 8, 8 heads, 4 tokens, pre-upsample 2, upsample 4.
# The CDD and OSCD configs swap the backbone (`_delete_`) and keep the rest.
data_preprocessor = dict(
    type='rsfm.DualInputSegDataPreProcessor',
    mean=[123.675, 116.28, 103.53] * 2,
    std=[58.395, 57.12, 57.375] * 2,
    bgr_to_rgb=True,
    size_divisor=32,
    pad_val=0,
    seg_pad_val=255,
    test_cfg=dict(size_divisor=32))
model = dict(
    type='rsfm.SiamEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='rsfm.ConvNeXt',
        arch='base',
        in_channels=3,
        out_indices=(0, ),
        drop_path_rate=0.4,
        layer_scale_init_value=1.0),
    neck=dict(type='rsfm.FeatureFusionNeck', policy='concat',
              out_indices=(0, )),
    decode_head=dict(
        type='rsfm.BITHead',
        in_channels=128,
        channels=32,
        embed_dims=64,
        enc_depth=1,
        enc_with_pos=True,
        dec_depth=8,
        num_heads=8,
        drop_rate=0.,
        use_tokenizer=True,
        token_len=4,
        pre_upsample=2,
        upsample_size=4,
        num_classes=2,
        norm_cfg=dict(type='LN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
