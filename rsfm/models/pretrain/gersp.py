"""GeRSP: MoCo on remote-sensing images plus a supervised natural-image
branch, with one student.

Paper: Generic Knowledge Boosted Pre-training For Remote Sensing Images
(Huang et al., IEEE TGRS 2024), https://doi.org/10.1109/TGRS.2024.3354031;
official code floatingstarZ/GeRSP ``mmselfsup/models/algorithms/moco_gersp.py``
(``MoCoGeRSP``), ``configs/selfsup/GeRSP/GeRSP.py``.

The student ResNet sees the first remote-sensing view and the labelled
natural image in one forward (shared BN statistics); its pooled RS features
go through the projector into MoCo's loss against the momentum key encoder's
features of the second view and a queue of past keys; its pooled natural
features go through a linear classifier into a cross-entropy loss.
"""
import copy
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.selfsup import BaseSelfSupervisor

from rsfm.registry import MODELS
from ..backbones.resnet import convert_resnet
from .base import ContinuesFromCheckpoint, strip_ddp_prefix
from .momentum import (ProjectionMLP, batch_shuffle, batch_unshuffle,
                       copy_parameters, enqueue, gather, moco_loss,
                       momentum_update)

#: official prefix -> rsfm prefix (the projectors' ``projector.{0,2}`` are
#: rsfm's ``mlp.{0,3}``)
_GERSP_PREFIXES = (('encoder_q.', 'backbone.'),
                   ('encoder_k.', 'key_backbone.'),
                   ('proj_q.projector.', 'neck.mlp.'),
                   ('proj_k.projector.', 'key_neck.mlp.'),
                   ('pred_q.0.', 'classifier.'))
#: aliases mmselfsup's state dict repeats (``self.backbone = encoder_q``,
#: ``self.neck = proj_q``)
_GERSP_ALIASES = ('backbone.', 'neck.')


def _projector_key(key: str) -> str:
    """``...mlp.2.weight`` (GeRSP's second Linear) -> ``...mlp.3.weight``."""
    head, _, tail = key.rpartition('mlp.')
    index, _, rest = tail.partition('.')
    return f'{head}mlp.{3 if index == "2" else index}.{rest}'


def convert_gersp(state_dict: Dict[str, torch.Tensor]
                  ) -> Tuple[Dict[str, torch.Tensor], str]:
    """Map a GeRSP checkpoint onto :class:`GeRSP`'s keys.

    - the file mmselfsup writes in GeRSP's training (``{'meta',
      'state_dict', 'optimizer'}``): ``encoder_q.*`` -> ``backbone.*``,
      ``encoder_k.*`` -> ``key_backbone.*``, ``proj_q.projector.{0,2}`` ->
      ``neck.mlp.{0,3}``, ``proj_k`` -> ``key_neck``, ``pred_q.0`` ->
      ``classifier``, ``queue`` and ``queue_ptr`` as they are; the aliases
      ``backbone.*`` / ``neck.*`` (copies of ``encoder_q`` / ``proj_q``)
      are dropped, and the format string counts them;
    - rsfm's own GeRSP checkpoints as they are;
    - a ResNet alone (``convert_gersp.py``'s ``CVT_epoch_*.pth``, any file
      :func:`convert_resnet` reads): ``backbone.*``, the rest initialised.
    """
    state_dict = strip_ddp_prefix(state_dict)
    if any(k.startswith('key_backbone.') for k in state_dict):
        return dict(state_dict), 'rsfm GeRSP'
    if any(k.startswith('encoder_q.') for k in state_dict) and any(
            k.startswith(('encoder_k.', 'proj_q.', 'pred_q.'))
            for k in state_dict):
        out, aliases = {}, 0
        for key, value in state_dict.items():
            new = next((rsfm + key[len(old):]
                        for old, rsfm in _GERSP_PREFIXES
                        if key.startswith(old)), None)
            if new is not None:
                out[_projector_key(new) if '.mlp.' in new else new] = value
            elif key.startswith(_GERSP_ALIASES):
                aliases += 1
            else:  # queue, queue_ptr, anything unknown (reported)
                out[key] = value
        return out, (f'GeRSP training file (mmselfsup MoCoGeRSP); '
                     f'{aliases} alias keys backbone.*/neck.* dropped')
    backbone, fmt = convert_resnet(state_dict)
    return ({'backbone.' + k: v for k, v in backbone.items()},
            f'{fmt}, student encoder only')


@MODELS.register_module()
class GeRSP(ContinuesFromCheckpoint, BaseSelfSupervisor):
    """GeRSP pretraining (``MoCoGeRSP.forward_train``).

    ``loss(inputs, data_samples)`` takes ``inputs = [rs_q, rs_k, natural]``
    (two views of remote-sensing images and a labelled natural image, each
    ``(B, 3, H, W)``, normalised) and ``data_samples[i].gt_label`` (the
    class of ``natural[i]``); it returns ``loss_contrastive`` and
    ``loss_sup`` (times ``alpha``), which sum to GeRSP's total, plus the
    classifier's top-1 / top-5 accuracy.

    Args:
        backbone: The student :class:`~rsfm.models.backbones.ResNet` config
            (GeRSP: ResNet-50, ``out_indices=(3, )``, zero-initialised last
            BN of each block); the key encoder is its copy.
        projector: ``dict(hidden_channels, out_channels)`` of the MoCo
            projector (GeRSP: 2048 -> 128).
        num_classes: Classes of the natural-image dataset (ImageNet 1000).
        queue_len: Negative keys kept (65536); a multiple of the keys
            enqueued per step (batch x processes).
        momentum: Key-encoder momentum (0.999, constant).
        temperature: InfoNCE temperature (0.07).
        alpha: Weight of the supervised loss (1).
        update_key_neck: Momentum-update the key projector too.
            NOTE: GeRSP updates the key encoder only, so its key projector
            keeps its initial weights for the whole run
            (``moco_gersp.py:171-177``); ``False`` reproduces that. rsfm's
            default is ``True``, MoCo's rule (the projector is part of the
            momentum encoder), which GeRSP's own ``moco.py`` follows.
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` continues
            from GeRSP's training file, a ResNet, or an rsfm GeRSP
            checkpoint (see :func:`convert_gersp`), with a load report.

    NOTE: GeRSP copies the query encoder into the key encoder and then
    re-initialises every ResNet (``tools/train.py`` calls
    ``init_weights()``), so its key encoder starts as an unrelated network;
    here it starts as the query encoder, as MoCo intends.
    """

    convert_checkpoint = staticmethod(convert_gersp)
    #: the key encoder is half of the parameters
    min_match = 0.25

    def __init__(self, backbone: dict,
                 projector: dict = dict(hidden_channels=2048,
                                        out_channels=128),
                 num_classes: int = 1000, queue_len: int = 65536,
                 momentum: float = 0.999, temperature: float = 0.07,
                 alpha: float = 1., update_key_neck: bool = True,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(backbone=backbone,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        channels = self.backbone.out_channels[-1]
        self.neck = ProjectionMLP(channels, **projector)
        self.classifier = nn.Linear(channels, num_classes)
        self.key_backbone = copy.deepcopy(self.backbone)
        self.key_neck = copy.deepcopy(self.neck)
        self.momentum, self.temperature = momentum, temperature
        self.alpha, self.update_key_neck = alpha, update_key_neck
        self.num_classes = num_classes
        queue = F.normalize(
            torch.randn(projector['out_channels'], queue_len), dim=0)
        self.register_buffer('queue', queue)
        self.register_buffer('queue_ptr', torch.zeros(1, dtype=torch.long))
        self.init_extra()

    def init_extra(self) -> None:
        """The key encoder and projector start as the student's, frozen."""
        copy_parameters(self.backbone, self.key_backbone)
        copy_parameters(self.neck, self.key_neck)

    def pooled(self, backbone: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """Global average of the last stage: ``(B, C)``."""
        return backbone(x)[-1].mean(dim=(2, 3))

    def loss(self, inputs: List[torch.Tensor],
             data_samples: list) -> Dict[str, torch.Tensor]:
        if len(inputs) != 3:
            raise ValueError(f'GeRSP takes inputs [rs_q, rs_k, natural], '
                             f'got {len(inputs)} tensors')
        rs_q, rs_k, natural = inputs
        B = rs_q.shape[0]
        labels = torch.cat([torch.as_tensor(s.gt_label).view(-1)
                            for s in data_samples]).to(rs_q.device)
        if labels.numel() != natural.shape[0]:
            raise ValueError(f'GeRSP needs one gt_label per natural image: '
                             f'{labels.numel()} labels for '
                             f'{natural.shape[0]} images')
        # 1. one student forward over RS and natural images (shared BN)
        features = self.pooled(self.backbone, torch.cat([rs_q, natural]))
        q = F.normalize(self.neck(features[:B]), dim=1)  # (B, D)
        with torch.no_grad():
            # 2. momentum update before the key forward (every iteration)
            momentum_update(self.backbone, self.key_backbone, self.momentum)
            if self.update_key_neck:
                momentum_update(self.neck, self.key_neck, self.momentum)
            # 3. keys of the second view, BN shuffled across processes
            shuffled, order = batch_shuffle(rs_k)
            k = F.normalize(self.key_neck(
                self.pooled(self.key_backbone, shuffled)), dim=1)
            k = batch_unshuffle(k, order)  # (B, D)
        # 4. InfoNCE against the queue as it was before this step
        loss_contrastive = moco_loss(q, k, self.queue.clone().detach(),
                                     self.temperature)
        # 5. supervised classification of the natural images
        logits = self.classifier(features[B:])  # (B, num_classes)
        loss_sup = self.alpha * F.cross_entropy(logits, labels)
        # 6. enqueue the keys of every process
        enqueue(self.queue, self.queue_ptr, gather(k))
        top = logits.detach().topk(min(5, self.num_classes), dim=1).indices
        hits = top == labels[:, None]
        return dict(loss_contrastive=loss_contrastive, loss_sup=loss_sup,
                    sup_acc_top1=hits[:, 0].float().mean() * 100,
                    sup_acc_top5=hits.any(dim=1).float().mean() * 100)
