"""SpectralGPT's MAE against the official semantics
(models_mae_spectral.py: random_masking, forward_encoder, forward_decoder,
forward_loss), on the official checkpoint layout."""
import argparse

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from rsfm.models.pretrain import SpectralGPT

#: MIM.md 4.3's tiny reference: 48 px, embed 32, depth 2, heads 4; decoder
#: 32 / 1 / 4; 12 bands in 4 groups of 3, patch 8 -> 4 x 36 tokens
DIM, GROUPS, SPATIAL = 32, 4, 36


def _model(**kwargs):
    init_default_scope('mmpretrain')
    return SpectralGPT(
        backbone=dict(type='rsfm.MaskedSpectralViT',
                      arch=dict(embed_dims=DIM, depth=2, num_heads=4),
                      img_size=48),
        neck=dict(type='rsfm.SpectralGPTDecoder', in_channels=DIM,
                  embed_dims=DIM, depth=1, num_heads=4, num_patches=SPATIAL,
                  num_groups=GROUPS, patch_values=192),
        head=dict(type='rsfm.SpectralGPTHead'), **kwargs)


def _official_state_dict(seed=0):
    """SpectralGPT's MaskedAutoencoderViT keys (63 for the tiny model),
    random values."""
    g = torch.Generator().manual_seed(seed)
    sd = {}

    def t(*shape, scale=0.05):
        return torch.randn(*shape, generator=g) * scale

    def block(prefix):
        for n in ('norm1', 'norm2'):
            sd[f'{prefix}.{n}.weight'] = 1 + t(DIM)
            sd[f'{prefix}.{n}.bias'] = t(DIM)
        for n in 'qkv':
            sd[f'{prefix}.attn.{n}.weight'] = t(DIM, DIM, scale=0.2)
            sd[f'{prefix}.attn.{n}.bias'] = t(DIM)
        sd[f'{prefix}.attn.proj.weight'] = t(DIM, DIM, scale=0.2)
        sd[f'{prefix}.attn.proj.bias'] = t(DIM)
        sd[f'{prefix}.mlp.fc1.weight'] = t(4 * DIM, DIM, scale=0.2)
        sd[f'{prefix}.mlp.fc1.bias'] = t(4 * DIM)
        sd[f'{prefix}.mlp.fc2.weight'] = t(DIM, 4 * DIM, scale=0.2)
        sd[f'{prefix}.mlp.fc2.bias'] = t(DIM)

    sd['pos_embed_spatial'] = t(1, SPATIAL, DIM)
    sd['pos_embed_temporal'] = t(1, GROUPS, DIM)
    sd['patch_embed.proj.weight'] = t(DIM, 1, 3, 8, 8, scale=0.1)
    sd['patch_embed.proj.bias'] = t(DIM)
    for i in range(2):
        block(f'blocks.{i}')
    sd['norm.weight'], sd['norm.bias'] = 1 + t(DIM), t(DIM)
    sd['decoder_embed.weight'], sd['decoder_embed.bias'] = t(DIM, DIM), t(DIM)
    sd['mask_token'] = t(1, 1, DIM)
    sd['decoder_pos_embed_spatial'] = t(1, SPATIAL, DIM)
    sd['decoder_pos_embed_temporal'] = t(1, GROUPS, DIM)
    block('decoder_blocks.0')
    sd['decoder_norm.weight'], sd['decoder_norm.bias'] = 1 + t(DIM), t(DIM)
    sd['decoder_pred.weight'], sd['decoder_pred.bias'] = t(192, DIM), t(192)
    return sd


def _official_loss(model, sd, x, noise):
    """The official forward with its shuffle / unshuffle (ids_keep in noise
    order, ids_restore), position gathers and its loss formulas (192 values
    per token), computed with the model's verified blocks
    (tests/models/backbones/test_spectral_vit.py) for the attention."""
    N = x.shape[0]
    tok = model.backbone.patch_embed.proj(x.unsqueeze(1))  # (N, D, T, h, w)
    tok = torch.einsum('ncts->ntsc', tok.flatten(3)).reshape(N, -1, DIM)
    L = tok.shape[1]
    keep = int(L * (1 - 0.9))
    ids_shuffle = noise.argsort(1)
    ids_restore = ids_shuffle.argsort(1)
    ids_keep = ids_shuffle[:, :keep]
    mask = torch.ones(N, L)
    mask[:, :keep] = 0
    mask = torch.gather(mask, 1, ids_restore)
    pos = sd['pos_embed_spatial'].repeat(1, GROUPS, 1) + \
        sd['pos_embed_temporal'].repeat_interleave(SPATIAL, 1)

    def take(a, idx):
        return torch.gather(a, 1, idx.unsqueeze(-1).repeat(1, 1, a.shape[2]))

    h = take(tok, ids_keep) + take(pos.expand(N, -1, -1), ids_keep)
    for blk in model.backbone.blocks:
        h = blk(h)
    h = model.backbone.norm(h)
    d = h @ sd['decoder_embed.weight'].T + sd['decoder_embed.bias']
    full = torch.cat([d, sd['mask_token'].repeat(N, L - keep, 1)], 1)
    full = take(full, ids_restore)
    full = full + sd['decoder_pos_embed_spatial'].repeat(1, GROUPS, 1) + \
        sd['decoder_pos_embed_temporal'].repeat_interleave(SPATIAL, 1)
    for blk in model.neck.decoder_blocks:
        full = blk(full)
    pred = model.neck.decoder_pred(model.neck.decoder_norm(full))
    imgs = x.unsqueeze(1)
    target = imgs.reshape(N, 1, 4, 3, 6, 8, 6, 8)
    target = torch.einsum('nctuhpwq->nthwupqc', target).reshape(N, L, 192)
    loss1 = ((pred - target)**2).mean(-1)
    loss1 = (loss1 * mask).sum() / mask.sum()
    loss3 = ((pred.reshape(N, 4, 36, 192).sum(1) -
              target.reshape(N, 4, 36, 192).sum(1))**2).mean(-1)
    return loss1 + loss3.sum() / loss3.numel(), mask.bool()


def test_whole_mae_checkpoint_loads_and_gives_the_official_loss(tmp_path):
    sd = _official_state_dict()
    assert len(sd) == 63
    torch.save({'model': sd, 'optimizer': {}, 'epoch': 199,
                'scaler': {'scale': 1024.},
                'args': argparse.Namespace(model='mae_vit_base_patch8_128')},
               tmp_path / 'checkpoint-199.pth')
    model = _model(init_cfg=dict(
        type='Pretrained', checkpoint=str(tmp_path / 'checkpoint-199.pth')))
    model.init_weights()
    report = model.pretrained_report
    assert report.missing == [] and report.unexpected == []
    assert len(report.matched) == 63 and report.match_ratio == 1.0
    x = torch.rand(2, 12, 48, 48)
    noise = torch.rand(2, GROUPS * SPATIAL)
    with torch.no_grad():
        want, mask = _official_loss(model, sd, x, noise)
        ours = model.loss(x, None, mask=mask)
    assert set(ours) == {'loss_rec', 'loss_spectral'}
    torch.testing.assert_close(ours['loss_rec'] + ours['loss_spectral'],
                               want, rtol=1e-5, atol=1e-6)


def test_mask_rule_sizes_and_training():
    model = _model(mask_ratio=0.9)
    model.init_weights()
    # int(L * 0.1): 144 -> 14 kept (130 masked); 1024 -> 102 at 128 px
    mask = model.random_mask(3, 144, 'cpu')
    assert mask.shape == (3, 144) and (mask.sum(1) == 130).all()
    assert (model.random_mask(1, 1024, 'cpu').sum(1) == 922).all()
    # the configured ratio is honoured (SpectralGPT's builders drop it)
    assert (_model(mask_ratio=0.75).random_mask(1, 144, 'cpu').sum(1) ==
            108).all()
    optim = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.rand(2, 12, 48, 48)
    mask = model.random_mask(2, 144, 'cpu')
    losses = []
    for _ in range(5):
        out = model.loss(x, None, mask=mask)
        loss = out['loss_rec'] + out['loss_spectral']
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]
    with pytest.raises(ValueError, match='keep as many tokens'):
        bad = mask.clone()
        bad[0, ~bad[0]] = True
        bad[0, 0] = False
        model.loss(x, None, mask=bad)
    with pytest.raises(ValueError, match='multiple of 3'):
        model.loss(torch.rand(1, 4, 48, 48), None)


def test_encoder_only_file_continues(tmp_path):
    """The released encoder alone (or SpectralGPT+.pth without decoder):
    backbone loads, the decoder stays initialised (reported)."""
    sd = {k: v for k, v in _official_state_dict().items()
          if not k.startswith(('decoder_', 'mask_token'))}
    torch.save({'model': sd}, tmp_path / 'enc.pth')
    model = _model(init_cfg=dict(type='Pretrained',
                                 checkpoint=str(tmp_path / 'enc.pth')))
    model.init_weights()
    report = model.pretrained_report
    assert report.unexpected == [] and 'encoder only' in report.fmt
    assert all(k.startswith('neck.') for k in report.missing)


@pytest.mark.parametrize('interpolate', [True, False])
def test_stage_two_from_stage_one(tmp_path, interpolate):
    """48 px checkpoint into a 64 px model (SpectralGPT: 96 -> 128): the
    spatial tables are interpolated, or left initialised as SpectralGPT's
    --resume_different_size does; never zero."""
    torch.save({'model': _official_state_dict()}, tmp_path / 'stage1.pth')
    init_default_scope('mmpretrain')
    model = SpectralGPT(
        backbone=dict(type='rsfm.MaskedSpectralViT',
                      arch=dict(embed_dims=DIM, depth=2, num_heads=4),
                      img_size=64),
        neck=dict(type='rsfm.SpectralGPTDecoder', in_channels=DIM,
                  embed_dims=DIM, depth=1, num_heads=4, num_patches=64,
                  num_groups=GROUPS, patch_values=192),
        head=dict(type='rsfm.SpectralGPTHead'),
        interpolate_pos_embed=interpolate,
        init_cfg=dict(type='Pretrained',
                      checkpoint=str(tmp_path / 'stage1.pth')))
    model.init_weights()
    report = model.pretrained_report
    assert report.mismatched == [] and report.unexpected == []
    resized = {k for k, _, _ in report.resized}
    tables = {'backbone.pos_embed_spatial', 'neck.decoder_pos_embed_spatial'}
    if interpolate:
        assert resized >= {'pos_embed_spatial',
                           'neck.decoder_pos_embed_spatial'}
    else:
        assert not resized & tables
        assert sum('left initialised' in n for n in report.notes) == 2
    for table in (model.backbone.pos_embed_spatial,
                  model.neck.decoder_pos_embed_spatial):
        assert table.abs().max() > 0


def test_encoder_init_is_spectralgpt_xavier():
    model = _model()
    model.init_weights()
    q = model.backbone.blocks[0].attn.q.weight
    bound = (6 / (q.shape[0] + q.shape[1]))**.5
    assert q.abs().max() <= bound and q.abs().max() > 0.8 * bound
    proj = model.backbone.patch_embed.proj.weight.flatten(1)
    bound = (6 / (proj.shape[0] + proj.shape[1]))**.5
    assert proj.abs().max() <= bound
