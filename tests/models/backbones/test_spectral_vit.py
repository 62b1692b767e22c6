import argparse

import pytest
import torch
import torch.nn as nn

from rsfm.models.backbones import SpectralViT

MINI = dict(embed_dims=48, depth=4, num_heads=2)


class _OfficialEncoder(nn.Module):
    """SpectralGPT's encoder (models_mae_spectral.py, no masking), written
    from its published definition with explicit attention arithmetic: the
    reference rsfm must match, with the same parameter names."""

    def __init__(self, dim=48, depth=4, heads=2, img=32, p=8, t=3, bands=12):
        super().__init__()
        self.heads, self.T, self.L = heads, bands // t, (img // p)**2
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv3d(1, dim, (t, p, p), (t, p, p))
        self.pos_embed_spatial = nn.Parameter(torch.zeros(1, self.L, dim))
        self.pos_embed_temporal = nn.Parameter(torch.zeros(1, self.T, dim))
        self.blocks = nn.ModuleList()
        for _ in range(depth):
            block = nn.Module()
            block.norm1 = nn.LayerNorm(dim, eps=1e-6)
            block.attn = nn.Module()
            for name in ('q', 'k', 'v', 'proj'):
                setattr(block.attn, name, nn.Linear(dim, dim))
            block.norm2 = nn.LayerNorm(dim, eps=1e-6)
            block.mlp = nn.Module()
            block.mlp.fc1 = nn.Linear(dim, 4 * dim)
            block.mlp.fc2 = nn.Linear(4 * dim, dim)
            self.blocks.append(block)
        self.norm = nn.LayerNorm(dim, eps=1e-6)

    def _attn(self, attn, x):
        B, N, C = x.shape
        q, k, v = (getattr(attn, n)(x).reshape(B, N, self.heads, -1)
                   .permute(0, 2, 1, 3) for n in 'qkv')
        a = (q @ k.transpose(-2, -1)) * (C // self.heads)**-0.5
        x = (a.softmax(-1) @ v).transpose(1, 2).reshape(B, N, C)
        return attn.proj(x)

    def forward(self, x):
        x = self.patch_embed.proj(x.unsqueeze(1)).flatten(3)  # N C T L
        x = torch.einsum('ncts->ntsc', x)
        N, T, L, C = x.shape
        x = x.reshape(N, T * L, C)
        pos = self.pos_embed_spatial.repeat(1, T, 1) + \
            torch.repeat_interleave(self.pos_embed_temporal, L, dim=1)
        x = x + pos
        for b in self.blocks:
            x = x + self._attn(b.attn, b.norm1(x))
            x = x + b.mlp.fc2(nn.functional.gelu(b.mlp.fc1(b.norm2(x))))
        return self.norm(x)


def _random(model, seed=0):
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.05)
    return model.eval()


def test_matches_official_encoder():
    ref = _random(_OfficialEncoder())
    model = SpectralViT(MINI, img_size=32, out_type='raw').eval()
    model.load_state_dict(ref.state_dict(), strict=True)
    x = torch.randn(2, 12, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(model(x)[0], ref(x), atol=1e-5,
                                   rtol=1e-4)


def test_spectralgpt_checkpoint_loads_as_released(tmp_path):
    ref = _random(_OfficialEncoder())
    sd = dict(ref.state_dict())
    sd.update({'mask_token': torch.zeros(1, 1, 32),
               'decoder_embed.weight': torch.zeros(32, 48),
               'decoder_pos_embed_spatial': torch.zeros(1, 16, 32),
               'decoder_pred.weight': torch.zeros(192, 32)})
    torch.save({'model': sd, 'epoch': 199, 'scaler': {'scale': 1024.0},
                'args': argparse.Namespace(model='mae_vit_base_patch8_128')},
               tmp_path / 'SpectralGPT+.pth')
    model = SpectralViT(MINI, img_size=32, out_type='raw', init_cfg=dict(
        type='Pretrained', checkpoint=str(tmp_path / 'SpectralGPT+.pth')))
    model.init_weights()
    report = model.pretrained_report
    assert report.fmt == 'SpectralGPT' and report.wrapper == 'model'
    assert report.missing == [] and report.match_ratio == 1.0
    assert report.unexpected == ['decoder_embed.weight',
                                 'decoder_pos_embed_spatial',
                                 'decoder_pred.weight', 'mask_token']
    x = torch.randn(1, 12, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(model.eval()(x)[0], ref(x), atol=1e-5,
                                   rtol=1e-4)
    # a larger input grid: spatial embedding resized (reported)
    big = SpectralViT(MINI, img_size=64, init_cfg=dict(
        type='Pretrained', checkpoint=str(tmp_path / 'SpectralGPT+.pth')))
    big.init_weights()
    assert ('pos_embed_spatial', torch.Size([1, 16, 48]),
            torch.Size([1, 64, 48])) in big.pretrained_report.resized
    # fewer bands: the spectral embedding changes only when bands are named
    ckpt = str(tmp_path / 'SpectralGPT+.pth')
    with pytest.raises(ValueError, match='name the input bands'):
        SpectralViT(MINI, img_size=32, in_channels=6, init_cfg=dict(
            type='Pretrained', checkpoint=ckpt)).init_weights()


S2 = ('B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A', 'B09',
      'B11', 'B12')


def _spectral_checkpoint(tmp_path):
    ref = _random(_OfficialEncoder())
    torch.save({'model': ref.state_dict()}, tmp_path / 'SpectralGPT+.pth')
    return str(tmp_path / 'SpectralGPT+.pth'), ref.pos_embed_temporal


def test_bands_select_their_own_spectral_groups(tmp_path):
    ckpt, temporal = _spectral_checkpoint(tmp_path)
    # a subset of whole groups, in another order: each its own embedding
    bands = S2[9:] + S2[0:3]
    model = SpectralViT(MINI, img_size=32, in_channels=6, bands=bands,
                        init_cfg=dict(type='Pretrained', checkpoint=ckpt))
    model.init_weights()
    torch.testing.assert_close(model.pos_embed_temporal.data,
                               temporal.data[:, [3, 0]])
    report = model.pretrained_report
    assert any('matched by band name' in n for n in report.notes)
    assert any('spectralgpt-plus' in n for n in report.notes)  # known file


@pytest.mark.parametrize('bands', [tuple(reversed(S2)),
                                   ('B02', 'B03', 'B04', 'B08', 'B11',
                                    'B12')])
def test_bands_that_are_not_checkpoint_groups_are_refused(tmp_path, bands):
    ckpt, _ = _spectral_checkpoint(tmp_path)
    model = SpectralViT(MINI, img_size=32, in_channels=len(bands),
                        bands=bands,
                        init_cfg=dict(type='Pretrained', checkpoint=ckpt))
    with pytest.raises(ValueError, match='SpectralGPT\\+.pth: input band '
                       'groups .* are not groups of the checkpoint'):
        model.init_weights()


def test_explicit_spectral_groups_choice(tmp_path):
    ckpt, temporal = _spectral_checkpoint(tmp_path)
    bands = ('B02', 'B03', 'B04', 'B08', 'B11', 'B12')
    model = SpectralViT(MINI, img_size=32, in_channels=6, bands=bands,
                        init_cfg=dict(type='Pretrained', checkpoint=ckpt,
                                      spectral_groups=[0, 3]))
    model.init_weights()
    torch.testing.assert_close(model.pos_embed_temporal.data,
                               temporal.data[:, [0, 3]])
    assert any('chosen by spectral_groups' in n
               for n in model.pretrained_report.notes)


def test_one_band_per_token_from_three_band_checkpoint(tmp_path):
    """t_patch_size=1 (e.g. Potsdam's 4 bands): a band's token is what the
    checkpoint's 3-band token of three copies of it was, with the spectral
    embedding of the group holding the band."""
    ckpt, temporal = _spectral_checkpoint(tmp_path)
    ref = _OfficialEncoder()
    ref.load_state_dict(torch.load(ckpt)['model'])
    bands = ('B04', 'B03', 'B08')
    model = SpectralViT(MINI, img_size=32, in_channels=3, t_patch_size=1,
                        bands=bands, out_type='raw',
                        init_cfg=dict(type='Pretrained', checkpoint=ckpt))
    model.init_weights()
    torch.testing.assert_close(model.pos_embed_temporal.data,
                               temporal.data[:, [1, 0, 2]])
    assert ('patch_embed.proj.weight', (48, 1, 3, 8, 8),
            (48, 1, 1, 8, 8)) in model.pretrained_report.resized
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        tokens = model.eval().embed(x)[0]
        # band B08 repeated over the 3 bands of a group: the official
        # patch embedding of that volume
        same = ref.patch_embed.proj(x[:, 2:3].repeat(1, 3, 1, 1)[:, None])
    torch.testing.assert_close(
        tokens[0, 32:48] - model.pos_embed_spatial[0] -
        model.pos_embed_temporal[0, 2],
        same[0, :, 0].flatten(1).T, atol=1e-5, rtol=1e-4)
    # bands not in the checkpoint need an explicit choice
    with pytest.raises(ValueError, match="holds the input bands.*'NIR'"):
        SpectralViT(MINI, img_size=32, in_channels=2, t_patch_size=1,
                    bands=('R', 'NIR'), init_cfg=dict(
                        type='Pretrained', checkpoint=ckpt)).init_weights()
    chosen = SpectralViT(MINI, img_size=32, in_channels=2, t_patch_size=1,
                         bands=('R', 'NIR'), init_cfg=dict(
                             type='Pretrained', checkpoint=ckpt,
                             spectral_groups=[1, 2]))
    chosen.init_weights()
    torch.testing.assert_close(chosen.pos_embed_temporal.data,
                               temporal.data[:, [1, 2]])
    # other token depths are refused
    with pytest.raises(ValueError, match='tokens hold 3 bands'):
        SpectralViT(MINI, img_size=32, in_channels=4, t_patch_size=2,
                    bands=S2[:4], init_cfg=dict(
                        type='Pretrained', checkpoint=ckpt)).init_weights()


def test_pyramid_shapes_and_defaults():
    model = SpectralViT(MINI, img_size=32).eval()
    assert model.bands[0] == 'B01' and len(model.bands) == 12
    outs = model(torch.randn(2, 12, 32, 48))
    assert [tuple(o.shape) for o in outs] == [
        (2, 48, 8, 12), (2, 48, 4, 6), (2, 48, 2, 3), (2, 48, 1, 1)]
    with pytest.raises(ValueError, match='multiple of t_patch_size'):
        SpectralViT(MINI, in_channels=10)
    with pytest.raises(ValueError, match=r'\(B, 12, H, W\)'):
        model(torch.randn(1, 3, 32, 32))


def test_layer_depth():
    model = SpectralViT('base')
    assert model.get_layer_depth('backbone.patch_embed.proj.weight',
                                 'backbone.') == (0, 14)
    assert model.get_layer_depth('backbone.pos_embed_temporal',
                                 'backbone.') == (0, 14)
    assert model.get_layer_depth('backbone.blocks.3.attn.q.weight',
                                 'backbone.') == (4, 14)
    assert model.get_layer_depth('backbone.spectral_fuse',
                                 'backbone.') == (13, 14)
