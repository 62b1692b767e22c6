custom_imports = dict(
    imports=['rsfm.models', 'rsfm.models.change_detection',
             'rsfm.datasets.change_detection', 'rsfm.evaluation',
             'rsfm.engine'],
    allow_failed_imports=False)
# BIT, SLFFM-pretrained ConvNeXt-B, LEVIR-CD: trained as
# bit_convnext-b-slffm_8xb8-20k_levir-cd-256x256.py, evaluated on the 128
# whole 1024x1024 test images by sliding window: 256 windows at stride 128,
# logits averaged where windows overlap (every pixel away from the border
# is predicted by 4 windows). Use it to test a checkpoint of the crop config
# on whole scenes; the scores (`change_F1`, changed class, all test pixels)
# follow no published protocol: SMLFR predicts the crops (F1 93.66).
_base_ = ['./bit_convnext-b-slffm_8xb8-20k_levir-cd-256x256.py']
model = dict(
    test_cfg=dict(mode='slide', crop_size=(256, 256), stride=(128, 128)))
val_dataloader = dict(
    dataset=dict(
        data_prefix=dict(
            img_path_from='whole/test/A',
            img_path_to='whole/test/B',
            seg_map_path='whole/test/label')))
test_dataloader = val_dataloader
