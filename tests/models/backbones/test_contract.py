"""What every rsfm backbone promises: each built parameter gets a gradient
(DDP without find_unused_parameters), one frozen_stages rule, parameters
without weight decay, forward steps that a masked subclass overrides."""
import os
import socket
import time

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn

from rsfm.models.backbones import (BaseBackbone, ConvNeXt, ResNet,
                                   SpectralViT, SwinTransformer,
                                   VisionTransformer)

S6 = ('B02', 'B03', 'B04', 'B08', 'B11', 'B12')

#: (id, constructor, input channels); every output type and a subset of
#: outputs
CASES = [
    ('convnext', lambda: ConvNeXt('atto'), 3),
    ('convnext-no-norms-0', lambda: ConvNeXt('atto', out_indices=(0, ),
                                             out_norms=False), 3),
    ('convnext-1-2', lambda: ConvNeXt('atto', out_indices=(1, 2)), 3),
    ('resnet', lambda: ResNet(arch='tiny'), 3),
    ('resnet-0-2', lambda: ResNet(arch='tiny', out_indices=(0, 2)), 3),
    ('swin', lambda: SwinTransformer('mini', window_size=4), 3),
    ('swin-1', lambda: SwinTransformer('mini', window_size=4,
                                       out_indices=(1, )), 3),
    ('vit-featmap', lambda: VisionTransformer('mini', img_size=32), 3),
    ('vit-featmap-early', lambda: VisionTransformer(
        'mini', img_size=32, out_indices=(0, 0, 1, 1)), 3),
    ('vit-raw', lambda: VisionTransformer('mini', img_size=32,
                                          out_type='raw'), 3),
    ('spectral-featmap', lambda: SpectralViT('mini', img_size=32,
                                             in_channels=6, bands=S6), 6),
    ('spectral-raw', lambda: SpectralViT('mini', img_size=32, in_channels=6,
                                         bands=S6, out_type='raw'), 6),
]


def _loss(outs):
    return sum(o.float().mean() for o in outs)


@pytest.mark.parametrize('make,channels', [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_every_parameter_gets_a_gradient(make, channels):
    torch.manual_seed(0)
    model = make().train()
    _loss(model(torch.randn(2, channels, 32, 32))).backward()
    unused = [n for n, p in model.named_parameters()
              if p.requires_grad and p.grad is None]
    assert unused == []


def test_unused_stages_and_norm_are_not_built():
    vit = VisionTransformer('mini', img_size=32, out_indices=(0, 0, 1, 1))
    assert len(vit.blocks) == 2 and not hasattr(vit, 'norm')
    assert hasattr(VisionTransformer('mini', out_type='raw'), 'norm')
    convnext = ConvNeXt('atto', out_indices=(1, ))
    assert len(convnext.stages) == 2 and len(convnext.downsample_layers) == 2
    swin = SwinTransformer('mini', window_size=4, out_indices=(1, ))
    assert len(swin.layers) == 2 and swin.layers[1].downsample is None
    assert not hasattr(ResNet(arch='tiny', out_indices=(1, )), 'layer3')


@pytest.mark.parametrize('depth,expected', [(12, (3, 5, 7, 11)),
                                            (24, (7, 11, 15, 23))])
def test_vit_default_out_indices_follow_beit_mae(depth, expected):
    arch = dict(embed_dims=32, depth=depth, num_heads=2)
    assert VisionTransformer(arch).out_indices == expected
    assert SpectralViT(arch).out_indices == expected


def _ddp_worker(rank, port, ok):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=port)
    dist.init_process_group('gloo', rank=rank, world_size=2)
    try:
        torch.manual_seed(0)
        model = nn.parallel.DistributedDataParallel(
            VisionTransformer('mini', img_size=32),
            find_unused_parameters=False)
        optim = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(2):  # the second iteration failed with an unused norm
            optim.zero_grad()
            _loss(model(torch.randn(2, 3, 32, 32))).backward()
            optim.step()
        ok[rank] = 1
        dist.barrier()  # neither tears gloo down under the other
    finally:
        dist.destroy_process_group()


def test_vit_trains_under_ddp_without_unused_parameters():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = str(s.getsockname()[1])
    ok = torch.zeros(2).share_memory_()
    context = mp.spawn(_ddp_worker, args=(port, ok), nprocs=2, join=False)
    deadline = time.monotonic() + 180
    while not context.join(timeout=5):
        if time.monotonic() > deadline:
            for process in context.processes:
                process.kill()
            pytest.fail('the 2-process DDP run did not finish in 180 s')
    assert ok.tolist() == [1, 1]


#: (constructor, stem parameter, first-stage parameter, second-stage
#: parameter)
FREEZE = [
    (lambda f: ConvNeXt('atto', frozen_stages=f),
     'downsample_layers.0.0.weight', 'stages.0.0.dwconv.weight',
     'downsample_layers.1.1.weight'),
    (lambda f: ResNet(arch='tiny', frozen_stages=f), 'conv1.weight',
     'layer1.0.conv1.weight', 'layer2.0.conv1.weight'),
    (lambda f: SwinTransformer('mini', window_size=4, frozen_stages=f),
     'patch_embed.proj.weight', 'layers.0.blocks.0.attn.qkv.weight',
     'layers.1.blocks.0.attn.qkv.weight'),
    (lambda f: VisionTransformer('mini', frozen_stages=f), 'pos_embed',
     'blocks.0.attn.qkv.weight', 'blocks.1.attn.qkv.weight'),
    (lambda f: SpectralViT('mini', frozen_stages=f), 'pos_embed_temporal',
     'blocks.0.attn.q.weight', 'blocks.1.attn.q.weight'),
]


@pytest.mark.parametrize('make,stem,first,second', FREEZE,
                         ids=['convnext', 'resnet', 'swin', 'vit',
                              'spectral-vit'])
def test_one_frozen_stages_rule(make, stem, first, second):
    """-1: nothing, 0: the stem, k: the stem and the first k stages."""
    for frozen, expected in ((-1, (True, True, True)),
                             (0, (False, True, True)),
                             (1, (False, False, True))):
        params = dict(make(frozen).train().named_parameters())
        assert tuple(params[k].requires_grad
                     for k in (stem, first, second)) == expected, frozen
    with pytest.raises(ValueError, match=r'frozen_stages must be in \[-1'):
        make(-2)


def test_out_indices_checked_once():
    with pytest.raises(ValueError, match='must name some of its 4 stages'):
        ConvNeXt('atto', out_indices=(4, ))
    with pytest.raises(ValueError, match='repeat a stage'):
        ResNet(arch='tiny', out_indices=(1, 1))
    with pytest.raises(ValueError, match='must name some of its 4 blocks'):
        VisionTransformer('mini', out_indices=(0, 1, 2, 9))
    assert ConvNeXt('atto', out_indices=(-1, )).out_indices == (3, )


def test_no_weight_decay_names():
    assert VisionTransformer('mini').no_weight_decay() == {'pos_embed',
                                                           'cls_token'}
    assert SpectralViT('mini').no_weight_decay() == {'pos_embed_spatial',
                                                     'pos_embed_temporal'}
    swin = SwinTransformer('mini', use_abs_pos_embed=True, img_size=32)
    names = swin.no_weight_decay()
    assert 'absolute_pos_embed' in names and \
        'layers.0.blocks.0.attn.relative_position_bias_table' in names
    assert len(names) == 1 + sum(swin.depths)
    assert ConvNeXt('atto').no_weight_decay() == set()


class _MaskedSwin(SwinTransformer):
    """SimMIM-style student: replaces masked patch tokens by a learnt token
    by overriding the embed step only."""
    accepts_mask = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.mask_token = nn.Parameter(torch.ones(1, 1, 1, 32))

    def embed(self, x, mask=None):
        x = super().embed(x)  # (B, h, w, C)
        w = mask.unsqueeze(-1).type_as(x)  # (B, h, w, 1)
        return x * (1 - w) + self.mask_token * w


def test_masked_subclass_overrides_a_step():
    torch.manual_seed(0)
    plain = SwinTransformer(arch='mini', window_size=4).eval()
    masked = _MaskedSwin(arch='mini', window_size=4).eval()
    masked.load_state_dict(plain.state_dict(), strict=False)
    x = torch.randn(1, 3, 32, 32)
    nothing = torch.zeros(1, 8, 8, dtype=torch.bool)
    with torch.no_grad():
        for a, b in zip(plain(x), masked(x, nothing)):
            torch.testing.assert_close(a, b)
        some = nothing.clone()
        some[0, :4] = True
        assert not torch.allclose(plain(x)[0], masked(x, some)[0])
    with pytest.raises(ValueError, match='takes no mask'):
        plain(x, some)
    assert issubclass(_MaskedSwin, BaseBackbone)
