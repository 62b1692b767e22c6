custom_imports = dict(
    imports=['rsfm.models', 'rsfm.models.data_preprocessors.seg',
             'rsfm.datasets', 'rsfm.engine'],
    allow_failed_imports=False)
# UperNet, SLFFM-pretrained ConvNeXt-B, ISPRS Potsdam RGBIR: 4 bands
# (R, G, B, NIR) in, 512x512 crops. The 4-band variant of the SMLFR recipe
# (its RGB config reports OA 91.72; no published number for RGBIR).
# Checkpoint: SMLFR's released ConvNeXt-B (RGB): R, G, B keep their
#   pretrained stem kernels, NIR starts at zero (bands=..., logged).
# Data: data/potsdam_rgbir/{img_dir,ann_dir}/{train,val}, the layout of the
#   RGB config with 4-band uint8 GeoTIFF clips (*.tif, band order R, G, B,
#   NIR) read through rasterio: tools/dataset_converters/potsdam.py --rgbir
#   from 4_Ortho_RGBIR.zip.
# Normalisation: ImageNet statistics for R, G, B; for NIR a mid-range
#   (127.5, 64) until statistics of the Potsdam NIR band are computed.
# Evaluation: as the RGB config: 5 classes (boundary and clutter ignored),
#   slide inference 512 / stride 341, OA (aAcc), mIoU, mFscore; `--tta`
#   adds horizontal flips. No photometric distortion (it is RGB-only).
_base_ = ['./upernet_convnext-b-slffm_8xb2-amp-160k_potsdam-512x512.py']
bands = ('R', 'G', 'B', 'NIR')
data_root = 'data/potsdam_rgbir'
crop_size = (512, 512)
data_preprocessor = dict(
    type='rsfm.MultiBandSegDataPreProcessor',
    mean=[123.675, 116.28, 103.53, 127.5],
    std=[58.395, 57.12, 57.375, 64.0],
    bgr_to_rgb=False,
    pad_val=0,
    seg_pad_val=255,
    size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(in_channels=4, bands=bands))
train_pipeline = [
    dict(type='rsfm.LoadMultiBandImage', file_bands=bands),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(512, 512),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='rsfm.CheckSegLabels', num_classes=5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='rsfm.LoadMultiBandImage', file_bands=bands),
    dict(type='LoadAnnotations'),
    dict(type='rsfm.CheckSegLabels', num_classes=5),
    dict(type='PackSegInputs')
]
tta_pipeline = [
    dict(type='rsfm.LoadMultiBandImage', file_bands=bands),
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(type='RandomFlip', prob=0., direction='horizontal'),
            dict(type='RandomFlip', prob=1., direction='horizontal')
        ], [dict(type='LoadAnnotations')], [dict(type='PackSegInputs')]])
]
train_dataloader = dict(
    dataset=dict(
        data_root=data_root, img_suffix='.tif', pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root, img_suffix='.tif', pipeline=test_pipeline))
test_dataloader = val_dataloader
