"""SpectralGPT: a 3D masked autoencoder over multispectral bands.

Paper: SpectralGPT: Spectral Remote Sensing Foundation Model (Hong et al.,
IEEE TPAMI 2024), https://arxiv.org/abs/2311.07113; official code
danfenghong/IEEE_TPAMI_SpectralGPT ``models_mae_spectral.py``,
``util/video_vit.py``.

Where masking happens: :meth:`SpectralGPT.loss` draws (or takes) a mask over
the ``(C/t) * (H/p) * (W/p)`` tokens in spectral-group-major order (True =
masked); :class:`MaskedSpectralViT` embeds all tokens with their position
embeddings and keeps the visible ones (in token order) for the encoder;
:class:`SpectralGPTDecoder` puts mask tokens back at the masked positions.
"""
import math
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models.selfsup import BaseSelfSupervisor

from rsfm.checkpoint import LoadReport
from rsfm.registry import MODELS
from ..backbones.spectral_vit import SpectralViT, convert_spectralgpt
from ..layers import SeparateQKVAttention, resize_pos_embed
from ..layers.transformer import TransformerBlock
from .base import ContinuesFromCheckpoint, batch_of, strip_ddp_prefix

#: the MAE decoder's parameters (top-level names in SpectralGPT's file)
DECODER_KEYS = ('decoder_', 'mask_token')


def convert_spectralgpt_mae(state_dict: Dict[str, torch.Tensor]
                            ) -> Tuple[Dict[str, torch.Tensor], str]:
    """Map a SpectralGPT checkpoint onto :class:`SpectralGPT`'s keys.

    - SpectralGPT's whole MAE (``main_pretrain.py`` ``checkpoint-N.pth`` and
      the released SpectralGPT(+).pth, state dict under ``model``): the
      decoder (``decoder_*``, ``mask_token``) -> ``neck.*``, the encoder ->
      ``backbone.*``;
    - an encoder alone (:func:`convert_spectralgpt` reads it): ``backbone.*``,
      the decoder as initialised;
    - rsfm's own SpectralGPT checkpoints as they are.
    """
    state_dict = strip_ddp_prefix(state_dict)
    if any(k.startswith('backbone.') for k in state_dict) and any(
            k.startswith('neck.') for k in state_dict):
        return dict(state_dict), 'rsfm SpectralGPT'
    if 'decoder_embed.weight' in state_dict:
        out = {('neck.' if k.startswith(DECODER_KEYS) else 'backbone.') + k: v
               for k, v in state_dict.items()}
        return out, 'SpectralGPT MAE (encoder and decoder)'
    encoder, fmt = convert_spectralgpt(state_dict)
    return {'backbone.' + k: v for k, v in encoder.items()}, \
        f'{fmt}, encoder only (decoder as initialised)'


@MODELS.register_module()
class MaskedSpectralViT(SpectralViT):
    """SpectralGPT's MAE encoder: :class:`~rsfm.models.backbones.SpectralViT`
    (same parameter names, ``out_type='raw'``) whose ``embed`` keeps only the
    visible tokens when given ``mask`` ``(B, L)`` (True = masked, the same
    count per sample). Returns the final-norm visible tokens
    ``(B, L_visible, C)``.
    """

    accepts_mask = True

    def __init__(self, arch: Union[str, dict] = 'base', **kwargs):
        kwargs.setdefault('out_type', 'raw')
        super().__init__(arch, **kwargs)

    def init_default_weights(self):
        """SpectralGPT's MAE init (``trunc_init=False``): xavier uniform
        for every Linear and the 3D patch kernel viewed 2-D, zero biases,
        LayerNorm (1, 0), trunc normal 0.02 position tables."""
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        weight = self.patch_embed.proj.weight
        nn.init.xavier_uniform_(weight.data.view(weight.shape[0], -1))
        trunc_normal_(self.pos_embed_spatial, std=.02)
        trunc_normal_(self.pos_embed_temporal, std=.02)

    def embed(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None
              ) -> Tuple[torch.Tensor, tuple]:
        tokens, grid = super().embed(x)  # (B, L, C), with positions
        if mask is None:
            return tokens, grid
        B, L, C = tokens.shape
        if tuple(mask.shape) != (B, L):
            raise ValueError(f'mask must be (B, L) = {(B, L)} for grid '
                             f'{grid}, got {tuple(mask.shape)}')
        keep = (~mask).sum(1)
        if (keep != keep[0]).any():
            raise ValueError(f'every sample must keep as many tokens; kept '
                             f'{keep.tolist()}')
        return tokens[~mask].view(B, -1, C), grid  # (B, L_visible, C)


@MODELS.register_module()
class SpectralGPTDecoder(BaseModule):
    """SpectralGPT's MAE decoder: ``decoder_embed`` to ``embed_dims``, mask
    tokens at the masked positions, separate spatial and spectral position
    embeddings, ``depth`` blocks (separate q/k/v), ``decoder_norm`` and
    ``decoder_pred`` to the ``t * p * p`` values of a token. Parameter names
    are SpectralGPT's.

    Args:
        in_channels: Encoder width.
        embed_dims: Decoder width (SpectralGPT: 512).
        depth: Decoder blocks (4).
        num_heads: Decoder heads (16).
        num_patches: Spatial tokens ``(H/p) * (W/p)``.
        num_groups: Spectral groups ``C / t``.
        patch_values: Values per token, ``t * p * p``.
    """

    def __init__(self, in_channels: int = 768, embed_dims: int = 512,
                 depth: int = 4, num_heads: int = 16, num_patches: int = 256,
                 num_groups: int = 4, patch_values: int = 192,
                 mlp_ratio: float = 4., init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.num_patches, self.num_groups = num_patches, num_groups
        self.decoder_embed = nn.Linear(in_channels, embed_dims)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.decoder_pos_embed_spatial = nn.Parameter(
            torch.zeros(1, num_patches, embed_dims))
        self.decoder_pos_embed_temporal = nn.Parameter(
            torch.zeros(1, num_groups, embed_dims))
        self.decoder_blocks = nn.ModuleList(
            TransformerBlock(embed_dims, num_heads, mlp_ratio, True, 0.,
                             SeparateQKVAttention) for _ in range(depth))
        self.decoder_norm = nn.LayerNorm(embed_dims, eps=1e-6)
        self.decoder_pred = nn.Linear(embed_dims, patch_values)

    def init_weights(self):
        """SpectralGPT's: xavier uniform Linear weights, zero biases, LN
        (1, 0), normal 0.02 mask token, trunc normal 0.02 positions."""
        super().init_weights()
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.normal_(self.mask_token, std=.02)
        trunc_normal_(self.decoder_pos_embed_spatial, std=.02)
        trunc_normal_(self.decoder_pos_embed_temporal, std=.02)

    def forward(self, latent: torch.Tensor,
                mask: torch.Tensor) -> torch.Tensor:
        """``latent`` ``(B, L_visible, C_enc)``, ``mask`` ``(B, L)`` ->
        predictions ``(B, L, patch_values)``."""
        B, L = mask.shape
        T, S = self.num_groups, self.num_patches
        if L != T * S:
            raise ValueError(f'the decoder is made for {T} x {S} tokens, '
                             f'the mask has {L}')
        x = self.decoder_embed(latent)  # (B, L_visible, C)
        full = self.mask_token.to(x.dtype).expand(B, L, -1).clone()
        full[~mask] = x.reshape(-1, x.shape[-1])  # visible ones in place
        pos = self.decoder_pos_embed_spatial.repeat(1, T, 1) + \
            self.decoder_pos_embed_temporal.repeat_interleave(S, dim=1)
        x = full + pos  # (B, L, C)
        for block in self.decoder_blocks:
            x = block(x)
        return self.decoder_pred(self.decoder_norm(x))


@MODELS.register_module()
class SpectralGPTHead(BaseModule):
    """SpectralGPT's two losses (``forward_loss``): ``loss_rec``, the
    squared error of each masked token's ``t * p * p`` values (band in group,
    row, column) averaged over the masked tokens; ``loss_spectral``, the
    squared error of the token values summed over the spectral groups at
    each spatial position, averaged over all positions, masked or not.

    NOTE: SpectralGPT hard-codes 192 values per token (``reshape(N, t, h*w,
    192)``) and prints a shape on every step; here any patch size, group
    size and band count works, silently.

    Args:
        patch_size: Spatial patch ``p``.
        t_patch_size: Bands per token ``t``.
        norm_pix_loss: Normalise each target token (``loss_rec`` only, as
            SpectralGPT; its runs use False).
    """

    def __init__(self, patch_size: int = 8, t_patch_size: int = 3,
                 norm_pix_loss: bool = False, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.p, self.t, self.norm_pix_loss = (patch_size, t_patch_size,
                                              norm_pix_loss)

    def patchify(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, H, W)`` -> ``(B, (C/t)*(H/p)*(W/p), t*p*p)``."""
        B, C, H, W = x.shape
        p, u = self.p, self.t
        x = x.reshape(B, C // u, u, H // p, p, W // p, p)
        x = torch.einsum('btuhpwq->bthwupq', x)
        return x.reshape(B, -1, u * p * p)

    def loss(self, pred: torch.Tensor, x: torch.Tensor,
             mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        B, C, H, W = x.shape
        groups, spatial = C // self.t, (H // self.p) * (W // self.p)
        target = self.patchify(x)  # (B, L, t*p*p)
        spectral = ((pred.view(B, groups, spatial, -1).sum(1) -
                     target.view(B, groups, spatial, -1).sum(1))**2).mean()
        if self.norm_pix_loss:
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)
            target = (target - mean) / (var + 1.e-6)**.5
        per_token = ((pred - target)**2).mean(dim=-1)  # (B, L)
        masked = mask.to(per_token.dtype)
        rec = (per_token * masked).sum() / masked.sum()
        return dict(loss_rec=rec, loss_spectral=spectral)


@MODELS.register_module()
class SpectralGPT(ContinuesFromCheckpoint, BaseSelfSupervisor):
    """SpectralGPT's 3D masked autoencoder.

    ``loss`` reads as the official ``forward``: mask the tokens, encode the
    visible ones, decode all, and add the masked reconstruction loss and
    the spectral-sum loss (weights 1 : 1).

    Args:
        backbone: A :class:`MaskedSpectralViT` config.
        neck: A :class:`SpectralGPTDecoder` config.
        head: A :class:`SpectralGPTHead` config.
        mask_ratio: Share of tokens masked; SpectralGPT keeps
            ``int(L * (1 - mask_ratio))`` (truncation).
            NOTE: SpectralGPT's builders pass a ``mask_ratio`` that its
            constructor swallows and use ``--mask_ratio`` (0.9); here the
            configured ratio is the one used.
        interpolate_pos_embed: Resize the spatial position tables of a
            checkpoint made for another input size (default); False leaves
            them initialised, as SpectralGPT's stage 2 does.
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` continues
            from SpectralGPT's whole MAE file (encoder and decoder), an
            encoder-only file or an rsfm checkpoint (see
            :func:`convert_spectralgpt_mae`), with a load report.
    """

    convert_checkpoint = staticmethod(convert_spectralgpt_mae)

    def __init__(self, backbone: dict, neck: dict, head: dict,
                 mask_ratio: float = 0.9,
                 interpolate_pos_embed: bool = True,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(backbone=backbone, neck=neck, head=head,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if not 0 < mask_ratio < 1:
            raise ValueError(f'mask_ratio must be in (0, 1), got '
                             f'{mask_ratio}')
        self.mask_ratio = mask_ratio
        self.interpolate_pos_embed = interpolate_pos_embed

    def adapt_pretrained(self, state_dict: dict, report: LoadReport,
                         init_cfg: dict) -> dict:
        """Spatial position tables of another grid (stage 1 at 96 px into
        stage 2 at 128): interpolated (encoder and decoder), or with
        ``interpolate_pos_embed=False`` left initialised, as SpectralGPT's
        ``--resume_different_size`` drops them."""
        own = self.state_dict()
        for key in ('backbone.pos_embed_spatial',
                    'neck.decoder_pos_embed_spatial'):
            pos = state_dict.get(key)
            if pos is None or key not in own or pos.shape == own[key].shape:
                continue
            if not self.interpolate_pos_embed:
                del state_dict[key]
                report.notes.append(
                    f'{key} {tuple(pos.shape)} left initialised for '
                    f'{tuple(own[key].shape)} (interpolate_pos_embed=False, '
                    f'as SpectralGPT)')
            elif key.startswith('neck.'):
                side, new = math.isqrt(pos.shape[1]), \
                    math.isqrt(own[key].shape[1])
                state_dict[key] = resize_pos_embed(pos, (side, side),
                                                   (new, new), 0)
                report.resized.append((key, pos.shape, own[key].shape))
        return super().adapt_pretrained(state_dict, report, init_cfg)

    def random_mask(self, batch: int, length: int,
                    device: torch.device) -> torch.Tensor:
        """SpectralGPT's ``random_masking``: keep ``int(L * (1 - ratio))``
        tokens, the smallest of uniform noise drawn on ``device``; ``(B,
        L)`` bool, True = masked."""
        keep = int(length * (1 - self.mask_ratio))
        order = torch.rand(batch, length, device=device).argsort(dim=1)
        masked = torch.ones(batch, length, dtype=torch.bool, device=device)
        masked.scatter_(1, order[:, :keep], False)
        return masked

    def loss(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
             data_samples: Optional[list] = None,
             mask: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """Losses of a ``(B, C, H, W)`` batch scaled to [0, 1] per band;
        ``mask``: ``(B, L)`` in spectral-group-major token order, True =
        masked (drawn with :meth:`random_mask` when None)."""
        x = batch_of(inputs)
        B, C, H, W = x.shape
        p, t = self.backbone.patch_size, self.backbone.t_patch_size
        if H % p or W % p or C % t:
            raise ValueError(f'SpectralGPT input {tuple(x.shape[1:])} must '
                             f'have bands a multiple of {t} and sides of '
                             f'{p}')
        length = (C // t) * (H // p) * (W // p)
        # 1. mask
        if mask is None:
            mask = self.random_mask(B, length, x.device)
        mask = mask.to(device=x.device).bool()
        # 2. encode the visible tokens
        latent = self.backbone(x, mask)[0]  # (B, L_visible, C_enc)
        # 3. decode all tokens
        pred = self.neck(latent, mask)  # (B, L, t*p*p)
        # 4. masked reconstruction + spectral-sum losses
        return self.head.loss(pred, x, mask)
