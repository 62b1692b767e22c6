"""GFM: SimMIM continual pretraining with distillation from an ImageNet-22k
Swin teacher.

Paper: Towards Geospatial Foundation Models via Continual Pretraining
(Mendieta et al., ICCV 2023), https://arxiv.org/abs/2302.04476; official
code mmendiet/GFM ``models/teacher.py`` (``SwinTransformerForSimMIM``,
``SwinTeacher``, ``SimMIM``), ``data/data_simmim.py``.

Where masking happens: the mask lives on the 4-px patch grid ``(B, H/4,
W/4)`` (32-px cells repeated 8 x 8, True = masked) and
:class:`MaskedSwin` replaces the masked patch embeddings with a learnt mask
token, as SimMIM; every token then goes through the Swin stages.
"""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models.selfsup import BaseSelfSupervisor

from rsfm.registry import MODELS
from ..backbones.swin import SwinTransformer, convert_swin
from .base import (ContinuesFromCheckpoint, apply_mask_token, batch_of,
                   check_mask_mode, random_cell_mask, strip_ddp_prefix)

#: buffers of Microsoft's Swin that rsfm computes for its own window
DROPPED_BUFFERS = ('relative_position_index', 'attn_mask')


def _swin_keys(state_dict: Dict[str, torch.Tensor], prefix: str,
               new_prefix: str, last_stage: int) -> Dict[str, torch.Tensor]:
    """``prefix``-keys of a Microsoft Swin in rsfm's names: the final
    ``norm`` is the last stage's ``norm{last_stage}``; index and shift-mask
    buffers are dropped."""
    out = {}
    for key, value in state_dict.items():
        if not key.startswith(prefix) or key.endswith(DROPPED_BUFFERS):
            continue
        key = key[len(prefix):]
        if key.startswith('norm.'):
            key = f'norm{last_stage}.' + key[len('norm.'):]
        out[new_prefix + key] = value
    return out


def convert_gfm(state_dict: Dict[str, torch.Tensor]
                ) -> Tuple[Dict[str, torch.Tensor], str]:
    """Map a GFM checkpoint onto :class:`GFM`'s keys.

    - GFM's training file (``utils.py`` ``ckpt_epoch_N.pth`` and, as
      believed, the released gfm.pth; state dict under ``model``):
      ``encoder.*`` -> ``backbone.*`` (``encoder.norm`` -> ``backbone.norm3``,
      ``encoder.mask_token`` -> ``backbone.mask_token``), ``teacher.*`` ->
      ``teacher.*`` (``teacher.norm`` -> ``teacher.norm3``, loaded and, as
      in GFM, unused), ``decoder.0`` -> ``neck.decoder.0``, ``projector``
      as it is; ``relative_position_index`` / ``attn_mask`` buffers dropped;
    - a student encoder alone (any Swin :func:`convert_swin` reads):
      ``backbone.*``, the rest as initialised (the teacher from its own
      ``init_cfg``);
    - rsfm's own GFM checkpoints as they are.
    """
    state_dict = strip_ddp_prefix(state_dict)
    if any(k.startswith('backbone.') for k in state_dict) and any(
            k.startswith('projector.') for k in state_dict):
        return dict(state_dict), 'rsfm GFM'
    if any(k.startswith('encoder.') for k in state_dict) and any(
            k.startswith(('decoder.', 'teacher.', 'projector.'))
            for k in state_dict):
        out = _swin_keys(state_dict, 'encoder.', 'backbone.', 3)
        out.update(_swin_keys(state_dict, 'teacher.', 'teacher.', 3))
        for key, value in state_dict.items():
            if key.startswith('decoder.'):
                out['neck.' + key] = value
            elif key.startswith('projector.'):
                out[key] = value
        return out, 'GFM training file (student, decoder, projector, ' \
            'teacher)'
    encoder, fmt = convert_swin(state_dict)
    encoder = _swin_keys(encoder, '', 'backbone.', 3)
    return encoder, f'{fmt}, student encoder only'


@MODELS.register_module()
class MaskedSwin(SwinTransformer):
    """SimMIM's Swin student (GFM's ``SwinTransformerForSimMIM``): with
    ``mask`` ``(B, H/4, W/4)`` (True = masked) the patch embeddings of
    masked patches are replaced by ``mask_token`` (``mask_mode='replace'``)
    or get it added (``'add'``: CMID's ``MaskSwin``, ``replace=False``).
    Parameter names are
    :class:`~rsfm.models.backbones.SwinTransformer`'s plus ``mask_token``,
    so the student loads into downstream Swin backbones.

    Defaults follow GFM's student: output norm on the last stage only
    (GFM's final ``norm``), the classification rule of not shifting a map
    that fits in one window (``shift_single_window=False``), no drop path.
    """

    accepts_mask = True

    def __init__(self, arch: Union[str, dict] = 'base',
                 mask_mode: str = 'replace', **kwargs):
        kwargs.setdefault('out_indices', (3, ))
        kwargs.setdefault('shift_single_window', False)
        kwargs.setdefault('drop_path_rate', 0.)
        super().__init__(arch, **kwargs)
        self.mask_mode = check_mask_mode(mask_mode)
        self.mask_token = nn.Parameter(
            torch.zeros(1, 1, self.num_features[0]))

    def init_default_weights(self):
        super().init_default_weights()
        trunc_normal_(self.mask_token, mean=0., std=.02)

    def embed(self, x: torch.Tensor,
              mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        x = super().embed(x)  # (B, H/4, W/4, C)
        if mask is None:
            return x
        w = mask.unsqueeze(-1).to(x.dtype)  # (B, H/4, W/4, 1)
        return apply_mask_token(x, w, self.mask_token.to(x.dtype),
                                self.mask_mode)


@MODELS.register_module()
class GFMDecoder(BaseModule):
    """SimMIM's linear decoder: a 1x1 convolution to ``stride**2 *
    out_channels`` values and a pixel shuffle (``decoder.0``, ``decoder.1``
    as in GFM): ``(B, C, H/32, W/32)`` -> ``(B, out_channels, H, W)``."""

    def __init__(self, in_channels: int = 1024, encoder_stride: int = 32,
                 out_channels: int = 3, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.decoder = nn.Sequential(
            nn.Conv2d(in_channels, encoder_stride**2 * out_channels, 1),
            nn.PixelShuffle(encoder_stride))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(x)


@MODELS.register_module()
class GFM(ContinuesFromCheckpoint, BaseSelfSupervisor):
    """GFM pretraining: SimMIM reconstruction of the masked pixels plus
    feature distillation from a frozen Swin teacher.

    ``loss`` reads as GFM's ``SimMIM.forward``: the masked student, its
    stage-3 features after patch merging (mean over tokens, projected), the
    teacher's same features on the unmasked image resized to
    ``teacher_size``, the decoded image, then the L1 loss on the masked
    pixels (divided by the bands) and ``-alpha * cos``.

    Args:
        backbone: A :class:`MaskedSwin` config (GFM: Swin-B, window 6, 192).
        neck: A :class:`GFMDecoder` config.
        teacher: A Swin config (GFM: Swin-B, window 7, 224), loaded through
            its own ``init_cfg`` (Microsoft's ImageNet-22k file as released)
            or with the algorithm's checkpoint.
            NOTE: GFM freezes its teacher only when the file name contains
            "finetune" and keeps it in train mode; here it is always frozen
            and in eval mode (no gradient, no drop path, no statistics).
        alpha: Weight of the distillation term (GFM: 1.0).
        teacher_size: Side the teacher sees (GFM: 224, bilinear,
            ``align_corners=True``).
        mask_ratio: Share of 32-px cells masked when the algorithm draws
            the mask itself: ``ceil(cells * ratio)`` (GFM's rule).
        mask_cell: Mask cell in pixels (32).
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` continues
            from GFM's training file (student, decoder, projector and
            teacher), a Swin encoder or an rsfm GFM checkpoint (see
            :func:`convert_gfm`), with a load report.
    """

    def __init__(self, backbone: dict, neck: dict, teacher: dict,
                 alpha: float = 1.0, teacher_size: int = 224,
                 mask_ratio: float = 0.6, mask_cell: int = 32,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(backbone=backbone, neck=neck,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.teacher = teacher if isinstance(teacher, nn.Module) \
            else MODELS.build(teacher)
        dim = self.backbone.num_features[-1]
        self.projector = nn.Linear(dim, dim)
        self.alpha, self.teacher_size = alpha, teacher_size
        self.mask_ratio, self.mask_cell = mask_ratio, mask_cell
        self._freeze_teacher()

    def _freeze_teacher(self):
        self.teacher.eval()
        for param in self.teacher.parameters():
            param.requires_grad = False

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_teacher()
        return self

    convert_checkpoint = staticmethod(convert_gfm)
    #: the teacher is half of the parameters and may come from its own file
    min_match = 0.25
    deferred = ('teacher', )

    def init_weights(self):
        super().init_weights()
        self._freeze_teacher()

    def random_mask(self, batch: int, height: int, width: int) -> torch.Tensor:
        """GFM's ``MaskGenerator``: ``ceil(cells * mask_ratio)`` of the
        ``mask_cell`` cells by ``np.random.permutation``, repeated onto the
        4-px patch grid; ``(B, H/4, W/4)`` bool, True = masked."""
        return random_cell_mask(batch, height, width, self.mask_ratio,
                                self.mask_cell,
                                self.backbone.patch_embed.patch_size)

    def stage3_merged(self, swin: SwinTransformer, x: torch.Tensor,
                      mask: Optional[torch.Tensor] = None
                      ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Stages 0-2 and the patch merging after stage 2: ``(B, H/32,
        W/32, 8C)`` (GFM's ``layers[:-1]`` output), and its mean over
        tokens ``(B, 8C)`` (no norm, as GFM distils it)."""
        x = swin.embed(x, mask) if mask is not None else swin.embed(x)
        for i in range(3):
            x = swin.forward_stage(i, x)
        x = swin.layers[2].downsample(x)
        return x, x.mean(dim=(1, 2))

    def loss(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
             data_samples: Optional[list] = None,
             mask: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """Losses of a normalised ``(B, C, H, W)`` batch; ``mask`` ``(B,
        H/4, W/4)``, True = masked (else ``data_samples[i].mask``, else
        drawn with :meth:`random_mask`)."""
        x = batch_of(inputs)
        B, C, H, W = x.shape
        patch = self.backbone.patch_embed.patch_size
        if H % self.mask_cell or W % self.mask_cell:
            raise ValueError(f'GFM input {H}x{W} is not a multiple of the '
                             f'{self.mask_cell}-px mask cell')
        # 1. mask on the patch grid
        if mask is None and data_samples and all(
                'mask' in s for s in data_samples):
            mask = torch.stack([torch.as_tensor(s.mask)
                                for s in data_samples])
        if mask is None:
            mask = self.random_mask(B, H, W)
        if tuple(mask.shape) != (B, H // patch, W // patch):
            raise ValueError(f'GFM mask must be (B, H/{patch}, W/{patch}) = '
                             f'{(B, H // patch, W // patch)}, got '
                             f'{tuple(mask.shape)}')
        mask = mask.to(x.device).bool()
        # 2. student: masked stages 0-2 + merging, then stage 3 and its norm
        merged, student = self.stage3_merged(self.backbone, x, mask)
        final = self.backbone.output(3, self.backbone.layers[3](merged))
        # 3. teacher on the unmasked image at its own size
        with torch.no_grad():
            resized = F.interpolate(x, (self.teacher_size,
                                        self.teacher_size),
                                    mode='bilinear', align_corners=True)
            _, target = self.stage3_merged(self.teacher, resized)
        # 4. reconstruction of the masked pixels (L1, over the bands)
        rec = self.neck(final)  # (B, C, H, W)
        pixels = mask.repeat_interleave(patch, 1).repeat_interleave(
            patch, 2).unsqueeze(1).to(x.dtype)  # (B, 1, H, W)
        loss_rec = (F.l1_loss(x, rec, reduction='none') * pixels).sum() / \
            (pixels.sum() + 1e-5) / C
        # 5. distillation: -alpha * cos(projected student, teacher)
        cos = F.cosine_similarity(self.projector(student), target, dim=1)
        return dict(loss_rec=loss_rec,
                    loss_distill=-cos.mean() * self.alpha)
