"""SLFFM: sparse ConvNeXt masked modelling with a low-frequency target.

Paper: SMLFR: Generic Knowledge Boosted Pre-training For Remote Sensing
Images (Dong et al., IEEE TGRS 2024), https://arxiv.org/abs/2401.04614;
official code HIT-SIRS/SMLFR ``Pretrain/`` (``pcfm.py``, ``encoder.py``,
``decoder.py``, ``low_freq.py``), itself derived from SparK.

Where masking happens: the mask is drawn on the ``(H/32, W/32)`` cell grid
(True = masked) by :meth:`SLFFM.loss`; :class:`SparseConvNeXt` zeroes the
masked cells of its input and keeps every stage's features zero there
(dense computation with the mask re-applied, equivalent to SMLFR's sparse
convolutions and LayerNorms); the densify step fills the masked cells with
per-level mask tokens before the light UNet decoder.
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models.selfsup import BaseSelfSupervisor

from rsfm.registry import MODELS
from ..backbones.convnext import ConvNeXt, convert_convnext
from ..layers import LayerNorm2d
from .base import ContinuesFromCheckpoint, batch_of, strip_ddp_prefix

#: SMLFR's pretraining cell: the encoder's total stride
CELL = 32
#: entries of SMLFR's whole-model file that hold nothing (``torch.empty``
#: statistics, a zero image; the ``config`` dict is not a tensor)
DEAD_KEYS = ('imn_m', 'imn_s', 'norm_black')


def convert_slffm(state_dict: Dict[str, torch.Tensor]
                  ) -> Tuple[Dict[str, torch.Tensor], str]:
    """Map an SLFFM checkpoint onto :class:`SLFFM`'s keys.

    - SMLFR's whole-model file (``main.py`` ``..._withdecoder_..._pcfm_style
      .pth``, state dict under ``module``): ``sparse_encoder.sp_cnn.*`` ->
      ``backbone.*``, ``dense_decoder.*`` -> ``neck.*``; ``densify_norms``,
      ``densify_projs`` and ``mask_tokens`` keep their names; the dead
      ``imn_m``, ``imn_s``, ``norm_black`` are dropped;
    - an encoder-only file (SMLFR's ``..._timm_style.pth`` or any ConvNeXt
      :func:`convert_convnext` reads): ``backbone.*``; the decoder stays as
      initialised;
    - rsfm's own SLFFM checkpoints (``backbone.``, ``neck.``, ...) as they
      are.

    A DDP ``module.`` prefix is removed first.
    """
    state_dict = strip_ddp_prefix(state_dict)
    if any(k.startswith('sparse_encoder.sp_cnn.') for k in state_dict):
        out = {}
        for key, value in state_dict.items():
            if key in DEAD_KEYS:
                continue
            if key.startswith('sparse_encoder.sp_cnn.'):
                key = 'backbone.' + key[len('sparse_encoder.sp_cnn.'):]
            elif key.startswith('dense_decoder.'):
                key = 'neck.' + key[len('dense_decoder.'):]
            out[key] = value
        return out, 'SMLFR SLFFM whole model (encoder, decoder, densify)'
    if any(k.startswith('backbone.') for k in state_dict) and any(
            k.startswith(('neck.', 'mask_tokens.')) for k in state_dict):
        return dict(state_dict), 'rsfm SLFFM'
    encoder, fmt = convert_convnext(state_dict)
    return {'backbone.' + k: v for k, v in encoder.items()}, \
        f'{fmt}, encoder only (decoder and densify layers as initialised)'


@MODELS.register_module()
class SparseConvNeXt(ConvNeXt):
    """ConvNeXt whose masked cells stay zero through every layer, as
    SMLFR's sparse encoder (``encoder.py``).

    With ``mask`` (``(B, h, w)`` bool on any grid dividing the input, True =
    masked) the steps compute densely and re-apply the mask: the input is
    zeroed on masked cells, the stem and every downsample layer are zeroed
    there after their convolution and LayerNorm, and each block's residual
    branch is multiplied by the visible map. Every tensor entering a 7x7
    depthwise convolution is therefore zero at masked positions, which is
    what SMLFR's sparse convolutions and LayerNorms compute. Without a mask
    it is the plain :class:`~rsfm.models.backbones.ConvNeXt`; parameter
    names are the same, so the pretrained encoder loads into it.

    Args:
        out_norms: Per-stage output norms; SLFFM pretrains without
            (``False``), as SMLFR's encoder returns the raw stage outputs.
        **kwargs: :class:`~rsfm.models.backbones.ConvNeXt` arguments.
    """

    accepts_mask = True

    def __init__(self, arch: Union[str, dict] = 'base',
                 out_norms: bool = False, **kwargs):
        super().__init__(arch, out_norms=out_norms, **kwargs)

    @staticmethod
    def visible(mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        """``(B, 1, H, W)`` 1/0 map of visible positions at the resolution
        of ``like``."""
        h, w = mask.shape[-2:]
        H, W = like.shape[-2:]
        active = (~mask).unsqueeze(1).to(like.dtype)  # (B, 1, h, w)
        return active.repeat_interleave(H // h, 2).repeat_interleave(
            W // w, 3)

    def embed(self, x: torch.Tensor,
              mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        if mask is None:
            return super().embed(x)
        x = x * self.visible(mask, x)  # masked cells are 0 in the input
        conv, norm = self.downsample_layers[0]
        x = conv(x)
        active = self.visible(mask, x)
        return norm(x * active) * active

    def forward_stage(self, i: int, x: torch.Tensor,
                      mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        if mask is None:
            return super().forward_stage(i, x)
        if i > 0:
            # 2x2 / stride 2 never mixes cells: zero the masked ones again
            x = self.downsample_layers[i](x)
            x = x * self.visible(mask, x)
        active = self.visible(mask, x)
        for block in self.stages[i]:
            x = block(x, active)
        return x


class UNetBlock(nn.Sequential):
    """x2 transposed convolution, then conv-BN-ReLU6-conv-BN (SMLFR
    ``decoder.py``; keys ``up_sample``, ``conv.{0,1,3,4}``)."""

    def __init__(self, cin: int, cout: int, norm_cfg: dict):
        super().__init__()
        self.up_sample = nn.ConvTranspose2d(cin, cin, 4, 2, 1, bias=True)
        self.conv = nn.Sequential(
            nn.Conv2d(cin, cin, 3, 1, 1, bias=False),
            build_norm_layer(norm_cfg, cin)[1], nn.ReLU6(inplace=True),
            nn.Conv2d(cin, cout, 3, 1, 1, bias=False),
            build_norm_layer(norm_cfg, cout)[1])


@MODELS.register_module()
class SLFFMDecoder(BaseModule):
    """SMLFR's ``LightDecoder``: ``log2(up_sample_ratio)`` UNet blocks
    halving the width (768 -> 384 -> ... -> 24 for 32x), each adding the
    densified encoder level of its resolution before upsampling, and a
    1x1 projection to the image bands.

    Shapes: inputs ``[(B, width, H/32, W/32), (B, width/2, H/16, W/16),
    (B, width/4, H/8, W/8), (B, width/8, H/4, W/4)]``; output
    ``(B, out_channels, H, W)``.

    Args:
        width: Channels of the first block (SMLFR: 768).
        up_sample_ratio: Total upsampling, a power of two (32).
        out_channels: Bands reconstructed.
        norm_cfg: Norm of the blocks; SMLFR uses SyncBN under DDP and BN
            otherwise (rsfm configs set ``sync_bn='torch'``).
    """

    def __init__(self, width: int = 768, up_sample_ratio: int = CELL,
                 out_channels: int = 3,
                 norm_cfg: Optional[dict] = None,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        n = round(math.log2(up_sample_ratio))
        if 2**n != up_sample_ratio:
            raise ValueError(f'up_sample_ratio must be a power of two, got '
                             f'{up_sample_ratio}')
        self.width = width
        channels = [width // 2**i for i in range(n + 1)]
        norm_cfg = norm_cfg or dict(type='BN')
        self.dec = nn.ModuleList(
            UNetBlock(cin, cout, norm_cfg)
            for cin, cout in zip(channels[:-1], channels[1:]))
        self.proj = nn.Conv2d(channels[-1], out_channels, 1)

    def init_weights(self):
        """SMLFR's ``LightDecoder.initialize``: trunc normal 0.02 for
        convolutions, kaiming (fan out) for transposed ones, BN (1, 0)."""
        super().init_weights()
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                trunc_normal_(m.weight, std=.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.ConvTranspose2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out',
                                        nonlinearity='relu')
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.modules.batchnorm._BatchNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, to_dec: List[torch.Tensor]) -> torch.Tensor:
        x = 0
        for i, block in enumerate(self.dec):
            if i < len(to_dec):
                x = x + to_dec[i]
            x = block(x)
        return self.proj(x)


@MODELS.register_module()
class LowFreqTarget(BaseModule):
    """Low-pass filtered image in the normalised input space (SMLFR
    ``low_freq.py``).

    ``T = (|ifft2(fftshift(fft2(x * std + mean)) * M)| - mean) / std`` with
    the ideal circular mask ``M[i, j] = (i - (H-1)/2)^2 + (j - (W-1)/2)^2 <=
    r^2`` (centred half a pixel off the DC bin for even sizes, hence the
    modulus), ``r = radius * min(H, W) / base_size``.

    NOTE: SMLFR rebuilds its filter with a Python loop over all pixels on
    every forward, on the CPU (which a CUDA input cannot multiply), for 3
    bands, ImageNet statistics and 224 x 224 only. Here the filter is a
    buffer on the model's device, built once per input size; its radius
    scales with the size (40 at 224, as SMLFR) and ``mean``/``std`` give
    one value per band (the data preprocessor's; 0-255 statistics give the
    same target as SMLFR's 0-1 ones).

    Args:
        mean: Per-band mean of the normalisation.
        std: Per-band std.
        radius: Radius at ``base_size`` (SMLFR: 40 at 224).
        base_size: Size ``radius`` is given for.
        img_size: Size the buffer is built for at construction.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float],
                 radius: float = 40., base_size: int = 224,
                 img_size: int = 224, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if len(mean) != len(std):
            raise ValueError(f'LowFreqTarget: {len(mean)} means but '
                             f'{len(std)} stds')
        self.radius, self.base_size = float(radius), base_size
        self.register_buffer(
            'mean', torch.tensor(mean, dtype=torch.float32).view(
                1, -1, 1, 1), persistent=False)
        self.register_buffer(
            'std', torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1),
            persistent=False)
        self.register_buffer(
            'low_pass', self.build_filter(img_size, img_size),
            persistent=False)

    def build_filter(self, h: int, w: int,
                     device: Optional[torch.device] = None) -> torch.Tensor:
        """The ``(h, w)`` 0/1 ideal low-pass mask."""
        r = self.radius * min(h, w) / self.base_size
        i = torch.arange(h, device=device, dtype=torch.float64)[:, None]
        j = torch.arange(w, device=device, dtype=torch.float64)[None, :]
        inside = (i - (h - 1) / 2)**2 + (j - (w - 1) / 2)**2 <= r**2
        return inside.float()

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] != self.mean.shape[1]:
            raise ValueError(
                f'LowFreqTarget has mean/std for {self.mean.shape[1]} bands, '
                f'the input has {x.shape[1]}')
        h, w = x.shape[-2:]
        if self.low_pass.shape != (h, w):
            self.low_pass = self.build_filter(h, w, x.device)
        img = x.float() * self.std + self.mean  # (B, C, H, W)
        freq = torch.fft.fftshift(torch.fft.fft2(img), dim=(-2, -1))
        low = torch.fft.ifft2(freq * self.low_pass).abs()
        return (low - self.mean) / self.std


@MODELS.register_module()
class SLFFMHead(BaseModule):
    """SLFFM's reconstruction loss (SMLFR ``pcfm.py``): the target is
    cut into ``patch_size`` patches and normalised per patch (unbiased
    variance, ``eps`` inside the square root); the loss is the squared error
    averaged over each patch, summed over the masked patches of the batch
    and divided by their number (+1e-8). The prediction is compared as is.
    """

    def __init__(self, patch_size: int = CELL, eps: float = 1e-6,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.patch_size, self.eps = patch_size, eps

    def patchify(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, H, W)`` -> ``(B, h*w, p*p*C)`` (row, column, band)."""
        p = self.patch_size
        B, C, H, W = x.shape
        x = x.reshape(B, C, H // p, p, W // p, p)
        return torch.einsum('bchpwq->bhwpqc', x).reshape(B, -1, p * p * C)

    def loss(self, pred: torch.Tensor, target: torch.Tensor,
             mask: torch.Tensor) -> torch.Tensor:
        target = self.patchify(target)  # (B, L, N)
        mean = target.mean(dim=-1, keepdim=True)
        std = (target.var(dim=-1, keepdim=True) + self.eps)**.5
        target = (target - mean) / std
        per_patch = ((self.patchify(pred) - target)**2).mean(dim=2)  # (B, L)
        masked = mask.flatten(1).to(per_patch.dtype)  # (B, L)
        return (per_patch * masked).sum() / (masked.sum() + 1e-8)


@MODELS.register_module()
class SLFFM(ContinuesFromCheckpoint, BaseSelfSupervisor):
    """SLFFM pretraining (SMLFR's ``PCFM``).

    ``loss`` reads as the official forward: low-pass target of the
    unmasked input, a mask on the 32-px cell grid, the sparse encoder,
    densify (norm, mask tokens on masked cells, projection to the decoder
    width of each level), the light decoder, and the masked per-patch
    normalised MSE.

    Args:
        backbone: A :class:`SparseConvNeXt` config.
        neck: A :class:`SLFFMDecoder` config.
        head: A :class:`SLFFMHead` config.
        target_generator: A :class:`LowFreqTarget` config.
        mask_ratio: Share of cells masked; SMLFR keeps
            ``round(cells * (1 - mask_ratio))`` (Python's rounding).
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` continues
            from SMLFR's whole-model file, an encoder-only file or an rsfm
            SLFFM checkpoint (see :func:`convert_slffm`), with a load
            report.
    """

    def __init__(self, backbone: dict, neck: dict, head: dict,
                 target_generator: dict, mask_ratio: float = 0.6,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(backbone=backbone, neck=neck, head=head,
                         target_generator=target_generator,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if not 0 < mask_ratio < 1:
            raise ValueError(f'mask_ratio must be in (0, 1), got '
                             f'{mask_ratio}')
        self.mask_ratio = mask_ratio
        # densify layers, from the smallest feature map (stride 32) up
        dims = list(reversed(self.backbone.dims[:self.backbone.num_stages]))
        width = self.neck.width
        self.mask_tokens = nn.ParameterList()
        self.densify_norms = nn.ModuleList()
        self.densify_projs = nn.ModuleList()
        for i, dim in enumerate(dims):
            self.mask_tokens.append(nn.Parameter(torch.zeros(1, dim, 1, 1)))
            self.densify_norms.append(LayerNorm2d(dim, eps=1e-6))
            if i == 0 and dim == width:
                self.densify_projs.append(nn.Identity())
            else:
                k = 1 if i == 0 else 3
                self.densify_projs.append(
                    nn.Conv2d(dim, width, k, padding=k // 2))
            width //= 2

    convert_checkpoint = staticmethod(convert_slffm)

    def init_extra(self):
        """SMLFR's mask tokens: trunc normal 0.02, clipped at +-0.02."""
        for token in self.mask_tokens:
            trunc_normal_(token, mean=0, std=.02, a=-.02, b=.02)

    def random_mask(self, batch: int, h: int, w: int,
                    device: torch.device) -> torch.Tensor:
        """SMLFR's rule: keep ``round(h*w*(1 - mask_ratio))`` cells, drawn
        by ``argsort`` of uniform noise from the CPU generator; ``(B, h,
        w)`` bool, True = masked."""
        keep = round(h * w * (1 - self.mask_ratio))
        order = torch.rand(batch, h * w).argsort(dim=1)[:, :keep]
        masked = torch.ones(batch, h * w, dtype=torch.bool)
        masked.scatter_(1, order, False)
        return masked.view(batch, h, w).to(device)

    def loss(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
             data_samples: Optional[list] = None,
             mask: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """SLFFM loss of a normalised batch ``(B, C, H, W)`` (see
        :func:`~.base.batch_of` for lists); ``mask``: ``(B, H/32, W/32)``, True = masked
        (drawn with :meth:`random_mask` when None)."""
        x = batch_of(inputs)
        B, _, H, W = x.shape
        if H % CELL or W % CELL:
            raise ValueError(f'SLFFM input {H}x{W} is not a multiple of the '
                             f'{CELL}-px mask cell')
        h, w = H // CELL, W // CELL
        # 1. target: low-pass of the unmasked image
        target = self.target_generator(x)  # (B, C, H, W)
        # 2. mask
        if mask is None:
            mask = self.random_mask(B, h, w, x.device)
        elif tuple(mask.shape) != (B, h, w):
            raise ValueError(f'SLFFM mask must be (B, H/32, W/32) = '
                             f'{(B, h, w)}, got {tuple(mask.shape)}')
        mask = mask.to(device=x.device).bool()
        # 3. encode: sparse stage outputs, strides 4..32
        feats = list(self.backbone(x, mask))
        feats.reverse()  # from the smallest map (stride 32) to the largest
        # 4. densify: norm, mask tokens on masked cells, projection
        to_dec = []
        for i, feat in enumerate(feats):
            feat = self.densify_norms[i](feat)
            visible = self.backbone.visible(mask, feat).bool()
            feat = torch.where(visible, feat,
                               self.mask_tokens[i].to(feat.dtype))
            to_dec.append(self.densify_projs[i](feat))
        # 5. decode
        rec = self.neck(to_dec)  # (B, C, H, W)
        # 6. masked, per-patch normalised MSE
        return dict(loss=self.head.loss(rec, target, mask))
