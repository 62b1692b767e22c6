"""CMID: contrastive and masked image distillation.

Paper: CMID: A Unified Self-Supervised Learning Framework for Remote
Sensing Image Understanding (Muhtar et al., IEEE TGRS 2023),
https://arxiv.org/abs/2304.09670; official code NJU-LHRS/official-CMID
``Pretrain/models/pretrain_model.py`` (``MoCoBasedDDP``),
``backbone_wrapper.py``, ``contrastive_utils.py``, ``loss_utils.py``,
``mim_utils.py``, ``Dataset/transform.py``.

A student (the backbone with a mask token) sees two views of an image with
32-px cells masked; a teacher (its exponential moving average, no mask
token) sees them unmasked. Three losses: the A2MIM reconstruction of the
masked pixels (focal L1 + focal frequency), MoCo v2 between the student's
projection of one view and the teacher's of the other, and a DINO-style
loss between the local heads' outputs at spatially matched positions of the
two views.

Where masking happens: :meth:`CMID.loss` fills the masked pixels of each
view with the view's per-channel mean, and the backbone adds its mask token
to the stride-4 features at masked positions (ResNet: after the stem's max
pool; Swin: after the patch embedding), CMID's ``mask_stage=0``.
"""
import copy
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine import dist
from mmpretrain.models.selfsup import BaseSelfSupervisor

from rsfm.registry import MODELS
from ..backbones.resnet import ResNet, convert_resnet
from ..backbones.swin import convert_swin
from .base import (ContinuesFromCheckpoint, apply_mask_token,
                   check_mask_mode, random_cell_mask, strip_ddp_prefix,
                   unmasked_copy)
from .momentum import (ProjectionMLP, copy_parameters, cosine_momentum,
                       enqueue, gather, moco_loss, momentum_update)


@MODELS.register_module()
class MaskedResNet(ResNet):
    """CMID's ``MaskResNet``: a ResNet whose stride-4 stem output gets
    ``mask_token`` ``(1, width, 1, 1)`` added (``mask_mode='add'``, CMID's
    ``replace=False``) or substituted (``'replace'``) at the positions
    where ``mask`` ``(B, H/4, W/4)`` is True. Parameter names are
    :class:`~rsfm.models.backbones.ResNet`'s plus ``mask_token``."""

    accepts_mask = True

    def __init__(self, *args, mask_mode: str = 'add', **kwargs):
        kwargs.setdefault('out_indices', (3, ))
        super().__init__(*args, **kwargs)
        self.mask_mode = check_mask_mode(mask_mode)
        self.mask_token = nn.Parameter(
            torch.zeros(1, self.conv1.out_channels, 1, 1))

    def embed(self, x: torch.Tensor,
              mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        x = super().embed(x)  # (B, width, H/4, W/4)
        if mask is None:
            return x
        w = mask.unsqueeze(1).to(x.dtype)  # (B, 1, H/4, W/4)
        return apply_mask_token(x, w, self.mask_token.to(x.dtype),
                                self.mask_mode)


class PrototypeLayer(nn.Module):
    """DINO's last layer: a weight-normalised 1x1 convolution without bias,
    ``weight = weight_g * weight_v / |weight_v|`` (norm per output
    channel), with PyTorch's ``weight_norm`` parameter names and
    ``weight_g`` filled with 1 (frozen when ``norm_last_layer``)."""

    def __init__(self, in_channels: int, out_channels: int,
                 norm_last_layer: bool = True):
        super().__init__()
        conv = nn.Conv1d(in_channels, out_channels, 1, bias=False)
        self.weight_v = nn.Parameter(conv.weight.detach().clone())
        self.weight_g = nn.Parameter(torch.ones(out_channels, 1, 1),
                                     requires_grad=not norm_last_layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, k)
        norm = self.weight_v.norm(dim=(1, 2), keepdim=True)
        return F.conv1d(x, self.weight_g * self.weight_v / norm)


class LocalHead(nn.Module):
    """CMID's ``LocalHead`` on tokens ``(B, C, k)``: 1x1 convolutions
    ``C -> hidden [-> BN] -> GELU`` (``num_layers - 1`` times) ``->
    bottleneck``, L2 normalisation over channels, then the
    :class:`PrototypeLayer` to ``out_channels``.

    Initialisation is PyTorch's default for the convolutions, as CMID's
    (its ``_init_weights`` handles ``nn.Linear`` only)."""

    def __init__(self, in_channels: int, out_channels: int = 2048,
                 hidden_channels: int = 2048, bottleneck_channels: int = 256,
                 num_layers: int = 3, norm: bool = True,
                 norm_last_layer: bool = True):
        super().__init__()
        if num_layers == 1:
            self.mlp = nn.Conv1d(in_channels, bottleneck_channels, 1)
        else:
            layers, width = [], in_channels
            for _ in range(num_layers - 1):
                layers.append(nn.Conv1d(width, hidden_channels, 1))
                if norm:
                    layers.append(nn.BatchNorm1d(hidden_channels))
                layers.append(nn.GELU())
                width = hidden_channels
            layers.append(nn.Conv1d(width, bottleneck_channels, 1))
            self.mlp = nn.Sequential(*layers)
        self.last_layer = PrototypeLayer(bottleneck_channels, out_channels,
                                         norm_last_layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.last_layer(F.normalize(self.mlp(x), dim=1))


def focal_l1(pred: torch.Tensor, target: torch.Tensor, alpha: float = 0.2,
             gamma: float = 1.) -> torch.Tensor:
    """A2MIM's focal L1, elementwise: ``e (2 sigmoid(alpha e) - 1)^gamma``
    with ``e = |pred - target|``."""
    error = (pred - target).abs()
    return error * (2. * torch.sigmoid(alpha * error) - 1.)**gamma


def focal_frequency_loss(pred: torch.Tensor,
                         target: torch.Tensor) -> torch.Tensor:
    """Focal frequency loss as CMID configures it (``ave_spectrum``,
    ``log_matrix``, ``batch_matrix``, alpha 1): the batch-mean orthonormal
    2-D spectra of ``pred`` and ``target`` ``(B, C, H, W)``, their squared
    distance ``d`` per frequency, weighted by ``log(1 + sqrt(d))`` scaled to
    a maximum of 1 (detached), averaged."""
    spectra = [torch.fft.fft2(x, dim=(2, 3), norm='ortho').mean(0)
               for x in (pred, target)]  # (C, H, W) complex
    diff = spectra[0] - spectra[1]
    distance = diff.real**2 + diff.imag**2  # (C, H, W)
    with torch.no_grad():
        weight = torch.log(distance.sqrt() + 1.)
        weight = weight / weight.max()
        weight = torch.nan_to_num(weight, nan=0.).clamp(0., 1.)
    return (weight * distance).mean()


def reconstruction_loss(image: torch.Tensor, rec: torch.Tensor,
                        pixels: torch.Tensor, alpha: float = 0.2,
                        gamma: float = 1., fft_weight: float = 1.,
                        fft_unmask_weight: float = 1e-3) -> torch.Tensor:
    """CMID's ``MIMLossHead`` for one view: the focal L1 over masked
    pixels (``pixels`` ``(B, 1, H, W)``, 1 = masked) divided by the bands,
    plus ``fft_weight`` x the focal frequency loss of the prediction whose
    unmasked pixels (weight ``1 - fft_unmask_weight``) are replaced by the
    mean of the detached prediction and the image (``'mixed'``)."""
    bands = image.shape[1]
    loss = (focal_l1(rec, image, alpha, gamma) * pixels).sum() / \
        (pixels.sum() + 1e-5) / bands
    if fft_weight > 0:
        keep = pixels + (1. - pixels) * fft_unmask_weight
        mixed = rec * keep + (0.5 * rec.detach() + 0.5 * image) * (1. - keep)
        loss = loss + fft_weight * focal_frequency_loss(mixed, image)
    return loss


def position_match(locations_a: torch.Tensor, locations_b: torch.Tensor,
                   tokens_a: torch.Tensor, tokens_b: torch.Tensor,
                   num_matches: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """CMID's ``position_match``: for every position of view ``a`` its
    nearest position in view ``b`` (by the cell centres ``(B, N, 2)``);
    the ``num_matches`` positions of ``a`` closest to their match are kept
    in increasing index order. Returns their tokens ``(B, k, C)`` of
    ``tokens_a`` and the matched tokens of ``tokens_b``."""
    distances = torch.cdist(locations_a, locations_b)  # (B, N, N)
    nearest, index = distances.topk(k=1, largest=False)
    nearest, index = nearest.squeeze(-1), index.squeeze(-1)  # (B, N)
    # rank of each position by its distance (as CMID: two sorts)
    rank = nearest.sort(dim=1).indices.sort(dim=1).indices
    kept = rank < num_matches  # (B, N), num_matches True per row
    B = tokens_a.shape[0]
    positions = torch.arange(nearest.shape[1], device=nearest.device)
    positions = positions.expand(B, -1)[kept].view(B, num_matches)
    matches = index[kept].view(B, num_matches)

    def pick(tokens, idx):
        return tokens.gather(
            1, idx.unsqueeze(-1).expand(-1, -1, tokens.shape[-1]))

    return pick(tokens_a, positions), pick(tokens_b, matches)


#: official top-level prefix -> rsfm prefix
_CMID_PREFIXES = (
    ('online_encoder.model.', 'backbone.'),
    ('online_encoder.mask_token', 'backbone.mask_token'),
    ('branch_encoder.', 'teacher_backbone.'),
    ('mim2org.decoder_pred.', 'neck.decoder.'),
    ('online_projector.layer.0.', 'projector.mlp.'),
    ('branch_projector.layer.0.', 'teacher_projector.mlp.'),
    ('class_projector.', 'local_head.'),
    ('branch_class_projector.', 'teacher_local_head.'),
    ('class_loss.center', 'center'),
)


def _cmid_encoder(state_dict: Dict[str, torch.Tensor], prefix: str,
                  new_prefix: str) -> Dict[str, torch.Tensor]:
    """The ResNet or mmcls Swin under ``prefix`` in rsfm's names."""
    sub = {k[len(prefix):]: v for k, v in state_dict.items()
           if k.startswith(prefix)}
    if any(k.startswith('patch_embed.') for k in sub):
        sub, _ = convert_swin(sub)
    else:
        sub, _ = convert_resnet(sub)
    return {new_prefix + k: v for k, v in sub.items()}


def convert_cmid(state_dict: Dict[str, torch.Tensor]
                 ) -> Tuple[Dict[str, torch.Tensor], str]:
    """Map a CMID checkpoint onto :class:`CMID`'s keys.

    - the file CMID's trainer writes (``{'epoch', 'num_gpus', 'model',
      'optimizer', 'metric_storage', 'hooks'}``, state dict under
      ``model``): ``online_encoder.model.*`` -> ``backbone.*`` and
      ``branch_encoder.*`` -> ``teacher_backbone.*`` (timm ResNet keys as
      they are; mmcls Swin keys converted, ``relative_position_index``
      dropped, rsfm computes it), ``online_encoder.mask_token`` ->
      ``backbone.mask_token``, ``mim2org.decoder_pred`` -> ``neck.decoder``,
      ``{online,branch}_projector.layer.0`` -> ``{,teacher_}projector.mlp``,
      ``{,branch_}class_projector`` -> ``{,teacher_}local_head`` (with the
      prototype layer's ``weight_g``/``weight_v``), ``class_loss.center``
      -> ``center``, ``queue`` and ``queue_ptr`` as they are;
    - rsfm's own CMID checkpoints as they are;
    - a backbone alone (CMID's "Backbone Only" file from ``extract.py``,
      any ResNet or Swin): ``backbone.*``, the rest initialised.
    """
    state_dict = strip_ddp_prefix(state_dict)
    if any(k.startswith('teacher_backbone.') for k in state_dict):
        return dict(state_dict), 'rsfm CMID'
    if any(k.startswith('online_encoder.') for k in state_dict):
        out = _cmid_encoder(state_dict, 'online_encoder.model.', 'backbone.')
        out.update(_cmid_encoder(state_dict, 'branch_encoder.',
                                 'teacher_backbone.'))
        for key, value in state_dict.items():
            if key.startswith(('online_encoder.model.', 'branch_encoder.')):
                continue
            new = next((rsfm + key[len(old):]
                        for old, rsfm in _CMID_PREFIXES
                        if key.startswith(old)), key)
            out[new] = value  # queue, queue_ptr, unknown keys (reported)
        return out, 'CMID training file (MoCoBasedDDP)'
    if any(k.startswith('patch_embed.') or '.patch_embed.' in k
           for k in state_dict):
        backbone, fmt = convert_swin(state_dict)
    else:
        backbone, fmt = convert_resnet(state_dict)
    return ({'backbone.' + k: v for k, v in backbone.items()},
            f'{fmt}, student encoder only')


@MODELS.register_module()
class CMID(ContinuesFromCheckpoint, BaseSelfSupervisor):
    """CMID pretraining (``MoCoBasedDDP.forward`` with CMID's EMA hook).

    ``loss(inputs, data_samples, mask=None)`` takes ``inputs = [img,
    view]``: the two augmented, normalised, unmasked views ``(B, 3, H, W)``;
    ``mask`` ``(B, 2, H/4, W/4)`` (True or 1 = masked, for ``img`` and
    ``view``; else ``data_samples[i].mask`` ``(2, H/4, W/4)``, else drawn
    with CMID's rule); ``data_samples[i].locations`` ``(2, H/32, W/32, 2)``,
    the (row, col) centres of the stride-32 cells of both views in the
    image frame. It returns ``loss_rec``, ``loss_global`` and
    ``loss_pixel``, which sum to CMID's ``total_loss``, and then moves the
    teacher one EMA step (CMID's order: forward, EMA, backward).

    Args:
        backbone: The student: :class:`MaskedResNet` (CMID: ResNet-50, the
            timm layout) or :class:`~rsfm.models.pretrain.MaskedSwin` with
            ``mask_mode='add'`` (Swin-B, window 7, last-stage norm); the
            teacher is its copy without the mask token.
        neck: The MIM decoder: :class:`~rsfm.models.pretrain.GFMDecoder`
            (a 1x1 convolution to 32 * 32 * 3 values and a pixel shuffle,
            CMID's ``MIMHead``).
        projector: ``dict(hidden_channels, out_channels)`` of the global
            projector (CMID: 2048, 256).
        local_head: :class:`LocalHead` arguments (CMID: ``out_channels``
            2048, ``hidden_channels`` 2048, ``bottleneck_channels`` 256,
            ``num_layers`` 3; ``norm`` True for ResNet-50, False for
            Swin-B).
        queue_len: Negative keys kept (65536); a multiple of the keys
            enqueued per step (batch x processes).
        temperature: MoCo temperature (0.2).
        num_matches: Matched positions per view pair in the local loss (20).
        base_momentum: EMA momentum at iteration 0; it rises to 1 along a
            cosine over the run (0.996).
        student_temp: Student temperature of the local loss (0.1).
        teacher_temp: Teacher temperature of the local loss, set per epoch
            by :class:`~rsfm.engine.hooks.TeacherTempHook` (0.04 -> 0.07).
        center_momentum: Momentum of the local loss's centre (0.9).
        mask_ratio: Share of ``mask_cell`` cells masked when the algorithm
            draws the mask (0.6, ``ceil``).
        mask_cell: Mask cell in pixels (32).
        rec_alpha, rec_gamma: Focal L1 parameters (0.2, 1).
        fft_weight: Weight of the focal frequency loss (1).
        fft_unmask_weight: Weight of unmasked pixels in the frequency term
            (0.001).
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` continues
            from CMID's training file (its pickled logs read as inert
            stand-ins), a backbone, or an rsfm CMID checkpoint (see
            :func:`convert_cmid`), with a load report.

    NOTE: under DDP CMID all-gathers the keys twice before enqueueing
    (``pretrain_model.py:529-530, 596-597``), so the queue holds each key
    ``world_size`` times; here they are gathered once.
    NOTE: CMID normalises its initial random queue over the wrong axis
    (``dim=1``, ``pretrain_model.py:356-357``); here each key (column) has
    norm 1, as MoCo. Both washes out once the queue is filled.
    NOTE: CMID never initialises its Swin (zero relative position tables
    and mask token, PyTorch-default Linear layers); here the Swin gets its
    usual initialisation (the mask token still starts at zero).
    """

    convert_checkpoint = staticmethod(convert_cmid)
    stub_unknown = True
    #: the teacher is half of the parameters
    min_match = 0.25

    def __init__(self, backbone: dict, neck: dict,
                 projector: dict = dict(hidden_channels=2048,
                                        out_channels=256),
                 local_head: dict = dict(out_channels=2048,
                                         hidden_channels=2048,
                                         bottleneck_channels=256,
                                         num_layers=3, norm=True),
                 queue_len: int = 65536, temperature: float = 0.2,
                 num_matches: int = 20, base_momentum: float = 0.996,
                 student_temp: float = 0.1, teacher_temp: float = 0.04,
                 center_momentum: float = 0.9, mask_ratio: float = 0.6,
                 mask_cell: int = 32, rec_alpha: float = 0.2,
                 rec_gamma: float = 1., fft_weight: float = 1.,
                 fft_unmask_weight: float = 1e-3,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(backbone=backbone, neck=neck,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        channels = self.backbone_channels()
        self.projector = ProjectionMLP(channels, **projector)
        self.local_head = LocalHead(channels, **local_head)
        # the teacher: the student's copy without its mask token
        self.teacher_backbone = unmasked_copy(self.backbone)
        self.teacher_projector = copy.deepcopy(self.projector)
        self.teacher_local_head = copy.deepcopy(self.local_head)
        queue = F.normalize(
            torch.randn(projector['out_channels'], queue_len), dim=0)
        self.register_buffer('queue', queue)
        self.register_buffer('queue_ptr', torch.zeros(1, dtype=torch.long))
        self.register_buffer(
            'center', torch.zeros(1, self.local_head.last_layer.
                                  weight_v.shape[0], 1))
        self.temperature, self.num_matches = temperature, num_matches
        self.base_momentum = base_momentum
        self.student_temp, self.teacher_temp = student_temp, teacher_temp
        self.center_momentum = center_momentum
        self.mask_ratio, self.mask_cell = mask_ratio, mask_cell
        self.rec = dict(alpha=rec_alpha, gamma=rec_gamma,
                        fft_weight=fft_weight,
                        fft_unmask_weight=fft_unmask_weight)
        self.init_extra()

    def backbone_channels(self) -> int:
        """Channels of the student's last stage."""
        backbone = self.backbone
        if hasattr(backbone, 'num_features'):  # Swin
            return backbone.num_features[backbone.out_indices[-1]]
        return backbone.out_channels[-1]

    @property
    def momentum_pairs(self) -> List[Tuple[nn.Module, nn.Module]]:
        """(student, teacher) pairs of the EMA (CMID's
        ``momentum_pairs``); the mask token and the MIM decoder have no
        teacher."""
        return [(self.backbone, self.teacher_backbone),
                (self.projector, self.teacher_projector),
                (self.local_head, self.teacher_local_head)]

    def init_extra(self) -> None:
        """Zero mask token (CMID never initialises it); the teacher starts
        as the student, frozen (``initialize_momentum_params``)."""
        nn.init.zeros_(self.backbone.mask_token)
        for student, teacher in self.momentum_pairs:
            copy_parameters(student, teacher)

    def masks_of(self, data_samples: Optional[list], batch: int, height: int,
                 width: int, mask: Optional[torch.Tensor]) -> torch.Tensor:
        """``(B, 2, H/4, W/4)`` bool masks of both views."""
        if mask is None and data_samples and all(
                'mask' in s for s in data_samples):
            mask = torch.stack([torch.as_tensor(s.mask)
                                for s in data_samples])
        if mask is None:
            mask = random_cell_mask(batch * 2, height, width,
                                    self.mask_ratio, self.mask_cell, 4)
            mask = mask.view(batch, 2, height // 4, width // 4)
        expected = (batch, 2, height // 4, width // 4)
        if tuple(mask.shape) != expected:
            raise ValueError(f'CMID mask must be (B, 2, H/4, W/4) = '
                             f'{expected}, got {tuple(mask.shape)}')
        return mask.bool()

    def locations_of(self, data_samples: Optional[list], batch: int,
                     grid: Tuple[int, int]) -> torch.Tensor:
        """``(B, 2, h, w, 2)`` cell centres of both views."""
        if not data_samples or not all('locations' in s
                                       for s in data_samples):
            raise ValueError('CMID needs data_samples[i].locations (2, '
                             'H/32, W/32, 2): the cell centres of both '
                             'views (rsfm.RandomResizedCropWithGrid)')
        locations = torch.stack([torch.as_tensor(s.locations)
                                 for s in data_samples]).float()
        expected = (batch, 2, *grid, 2)
        if tuple(locations.shape) != expected:
            raise ValueError(f'CMID locations must be (B, 2, H/32, W/32, '
                             f'2) = {expected}, got '
                             f'{tuple(locations.shape)}')
        return locations

    def local_loss(self, student: torch.Tensor,
                   teacher: torch.Tensor) -> torch.Tensor:
        """CMID's ``LocalLoss`` on head outputs ``(B, K, k)``:
        cross-entropy between the teacher's centred, sharpened softmax and
        the student's, averaged over batch and positions; the centre then
        moves towards the teacher's mean output (across processes) at
        once, so the next call uses the moved centre (as CMID)."""
        target = F.softmax((teacher - self.center) / self.teacher_temp,
                           dim=1).detach()
        loss = torch.sum(-target * F.log_softmax(
            student / self.student_temp, dim=1), dim=1).mean()
        with torch.no_grad():
            B, _, k = teacher.shape
            mean = teacher.sum(dim=(0, 2), keepdim=True)
            if dist.get_world_size() > 1:
                dist.all_reduce(mean, op='mean')
            mean = mean / (B * k)
            self.center.copy_(self.center * self.center_momentum + mean *
                              (1. - self.center_momentum))
        return loss

    def loss(self, inputs: List[torch.Tensor],
             data_samples: Optional[list] = None,
             mask: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        if len(inputs) != 2:
            raise ValueError(f'CMID takes inputs [img, view], got '
                             f'{len(inputs)} tensors')
        img, view = inputs
        B, _, H, W = img.shape
        if H % self.mask_cell or W % self.mask_cell:
            raise ValueError(f'CMID input {H}x{W} is not a multiple of the '
                             f'{self.mask_cell}-px mask cell')
        # 1. masks, and the masked views: masked pixels set to the view's
        #    per-channel mean (CMID's mask_color='mean')
        masks = self.masks_of(data_samples, B, H, W, mask).to(img.device)
        scale = H // masks.shape[-2]
        pixels = masks.repeat_interleave(scale, 2).repeat_interleave(
            scale, 3).to(img.dtype)  # (B, 2, H, W)
        views = (img, view)
        masked = [torch.where(pixels[:, i:i + 1].bool(),
                              x.mean(dim=(2, 3), keepdim=True), x)
                  for i, x in enumerate(views)]
        # 2. student on the masked views (img, then view)
        student = [self.backbone(x, masks[:, i])[-1]
                   for i, x in enumerate(masked)]  # 2 x (B, C, h, w)
        # 3. reconstruction of the masked pixels
        loss_rec = sum(
            reconstruction_loss(x, self.neck(f), pixels[:, i:i + 1],
                                **self.rec)
            for i, (x, f) in enumerate(zip(views, student))) / 2
        # 4. teacher on the unmasked views (view, then img)
        with torch.no_grad():
            teacher_view = self.teacher_backbone(view)[-1]
            teacher_img = self.teacher_backbone(img)[-1]
        teacher = [teacher_img, teacher_view]
        # 5. global: MoCo v2 of each student view against the teacher's
        #    other view, with the queue as it was before this step
        q = [F.normalize(self.projector(f.mean(dim=(2, 3))), dim=1)
             for f in student]
        with torch.no_grad():
            k = [F.normalize(self.teacher_projector(f.mean(dim=(2, 3))),
                             dim=1) for f in teacher]
        queue = self.queue.clone().detach()
        loss_global = (moco_loss(q[0], k[1], queue, self.temperature) +
                       moco_loss(q[1], k[0], queue, self.temperature)) / 2
        enqueue(self.queue, self.queue_ptr, gather(k[1]))
        enqueue(self.queue, self.queue_ptr, gather(k[0]))
        # 6. local: student tokens of one view against the teacher's tokens
        #    at the nearest positions of the other view
        h, w = student[0].shape[-2:]
        locations = self.locations_of(data_samples, B, (h, w)).to(
            img.device).flatten(2, 3)  # (B, 2, h*w, 2)
        tokens = [f.flatten(2).transpose(1, 2) for f in student + teacher]
        pairs = [position_match(locations[:, 0], locations[:, 1], tokens[0],
                                tokens[3], self.num_matches),
                 position_match(locations[:, 1], locations[:, 0], tokens[1],
                                tokens[2], self.num_matches)]
        student_out = [self.local_head(s.transpose(1, 2)) for s, _ in pairs]
        with torch.no_grad():
            teacher_out = [self.teacher_local_head(t.transpose(1, 2))
                           for _, t in pairs]
        loss_pixel = (self.local_loss(student_out[0], teacher_out[0]) +
                      self.local_loss(student_out[1], teacher_out[1])) / 2
        # 7. one EMA step of the teacher with this forward's student
        momentum = cosine_momentum(self.base_momentum)
        for student_part, teacher_part in self.momentum_pairs:
            momentum_update(student_part, teacher_part, momentum)
        return dict(loss_rec=loss_rec, loss_global=loss_global,
                    loss_pixel=loss_pixel)
