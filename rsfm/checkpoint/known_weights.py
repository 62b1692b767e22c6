"""The released weights rsfm knows: the five papers' pretrained checkpoints.

One :class:`KnownWeights` per release (torchgeo's idea of a weights table):
what the file is, what it expects as input, where the encoder sits and
under which licence it is distributed. The loader recognises a release by
its file name and adds what it knows to the load report; the README's
weights table lists the same entries. Facts come from the official
repositories (README download sections and the code that saves or reads
the files); the files themselves are never downloaded by rsfm.
"""
import os.path as osp
from typing import NamedTuple, Optional, Tuple

#: ImageNet statistics on the 0-255 scale (mean, std), RGB
IMAGENET = ((123.675, 116.28, 103.53), (58.395, 57.12, 57.375))
#: CMID pretraining statistics (Pretrain/Dataset/transform.py), 0-1 scale
#: times 255
CMID_MILLIONAID = ((86.18, 91.93, 85.37), (34.65, 34.48, 35.88))
#: the 12 Sentinel-2 bands SpectralGPT is pretrained on (B10 dropped)
SENTINEL2_12 = ('B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08',
                'B8A', 'B09', 'B11', 'B12')


class KnownWeights(NamedTuple):
    """A released checkpoint."""
    name: str  # rsfm's name for it
    paper: str  # method (repository)
    files: Tuple[str, ...]  # released file names ('' where unnamed)
    backbone: str  # rsfm type and arch that loads it
    layout: str  # where the encoder is inside the file
    bands: Tuple[str, ...]
    normalisation: str
    input_size: int
    licence: str
    url: str


KNOWN_WEIGHTS = (
    KnownWeights(
        'slffm_convnext-b', 'SLFFM (HIT-SIRS/SMLFR)',
        ('pretrained_convnext_base.pth',
         'convnext_base_1kpretrained_timm_style.pth',
         'convnext_base_withdecoder_1kpretrained_pcfm_style.pth'),
        "rsfm.ConvNeXt arch='base'",
        "'module' wrapper; encoder keys bare or under "
        "'sparse_encoder.sp_cnn.' (with decoder)", ('R', 'G', 'B'),
        f'ImageNet mean {IMAGENET[0]} std {IMAGENET[1]}', 224, 'MIT',
        'https://pan.baidu.com/s/1T5gmsvLh7mmGbzHI6r8gWw?pwd=ewjg'),
    KnownWeights(
        'slffm_convnext-l', 'SLFFM (HIT-SIRS/SMLFR)',
        ('pretrained_convnext_large.pth',
         'convnext_large_1kpretrained_timm_style.pth',
         'convnext_large_withdecoder_1kpretrained_pcfm_style.pth'),
        "rsfm.ConvNeXt arch='large'",
        "'module' wrapper; encoder keys bare or under "
        "'sparse_encoder.sp_cnn.' (with decoder)", ('R', 'G', 'B'),
        f'ImageNet mean {IMAGENET[0]} std {IMAGENET[1]}', 224, 'MIT',
        'https://pan.baidu.com/s/1fTesshqGB3UCjYDP7jwWKQ?pwd=5yxn'),
    KnownWeights(
        'cmid_resnet-50', 'CMID (NJU-LHRS/official-CMID)',
        ('CMID_ResNet50_bk_200ep.pth', ), 'rsfm.ResNet depth=50',
        "full trainer file: 'model' -> 'online_encoder.model.'; "
        'backbone-only file: bare timm keys', ('R', 'G', 'B'),
        f'CMID MillionAID mean {CMID_MILLIONAID[0]} std '
        f'{CMID_MILLIONAID[1]} (its downstream configs use ImageNet)', 224,
        'no licence file; README: no commercial use',
        'https://box.nju.edu.cn/f/b2e7ad5d3aea4f569e82/?dl=1'),
    KnownWeights(
        'cmid_swin-b', 'CMID (NJU-LHRS/official-CMID)', (),
        "rsfm.SwinTransformer arch='base' window_size=7",
        "full trainer file: 'model' -> 'online_encoder.model.'; "
        'backbone-only file: mmcls Swin keys', ('R', 'G', 'B'),
        f'CMID MillionAID mean {CMID_MILLIONAID[0]} std '
        f'{CMID_MILLIONAID[1]} (its downstream configs use ImageNet)', 224,
        'no licence file; README: no commercial use',
        'https://box.nju.edu.cn/f/82a3c7ca7bfc4887aef8/?dl=1'),
    KnownWeights(
        'gfm_swin-b', 'GFM (mmendiet/GFM)', ('gfm.pth', ),
        "rsfm.SwinTransformer arch='base' (window 6 tables, resized)",
        "'model' -> 'encoder.' (also 'teacher.', 'decoder.', 'projector.'; "
        "yacs 'config')", ('R', 'G', 'B'),
        f'ImageNet mean {IMAGENET[0]} std {IMAGENET[1]}', 192, 'Apache-2.0',
        'https://1drv.ms/f/s!AkTn76m907OThpRJjH8ehfskbgCLXw?e=ZJreFo'),
    KnownWeights(
        'gersp_resnet-50', 'GeRSP (floatingstarZ/GeRSP)',
        ('CVT_epoch_100.pth', 'CVT_epoch_200.pth'), 'rsfm.ResNet depth=50',
        "mmcv 'state_dict' -> 'encoder_q.' (= 'backbone.'; also "
        "'encoder_k.', heads, queue), or converted 'backbone.'",
        ('R', 'G', 'B'), f'ImageNet mean {IMAGENET[0]} std {IMAGENET[1]}',
        224, 'Apache-2.0',
        'https://drive.google.com/file/d/1IQ6wHL5MiPZt9_cecRd8gkFNsf-0snIH'),
    KnownWeights(
        'spectralgpt', 'SpectralGPT (danfenghong/IEEE_TPAMI_SpectralGPT)',
        ('SpectralGPT.pth', ),
        "rsfm.SpectralViT arch='base' img_size=96 patch_size=8 "
        't_patch_size=3', "'model' -> bare encoder keys (with MAE decoder)",
        SENTINEL2_12, 'per image and band min-max to [0, 1]', 96,
        'GPL-3.0 (README)',
        'https://zenodo.org/records/8412455/files/SpectralGPT.pth'),
    KnownWeights(
        'spectralgpt-plus', 'SpectralGPT (danfenghong/IEEE_TPAMI_SpectralGPT)',
        ('SpectralGPT+.pth', ),
        "rsfm.SpectralViT arch='base' img_size=128 patch_size=8 "
        't_patch_size=3', "'model' -> bare encoder keys (with MAE decoder)",
        SENTINEL2_12, 'per image and band min-max to [0, 1]', 128,
        'GPL-3.0 (README)',
        'https://zenodo.org/records/8412455/files/SpectralGPT+.pth'),
)


def find_known_weights(path: str) -> Optional[KnownWeights]:
    """The release whose file name is ``path``'s, if rsfm knows it."""
    name = osp.basename(path)
    return next((w for w in KNOWN_WEIGHTS if name in w.files), None)


def describe(weights: KnownWeights) -> str:
    """One line for a load report."""
    return (f'known release {weights.name} of {weights.paper}: bands '
            f'{weights.bands}, input {weights.input_size} px, normalisation '
            f'{weights.normalisation}; licence {weights.licence}')
