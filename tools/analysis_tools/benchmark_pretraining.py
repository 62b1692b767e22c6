"""Time a pretraining step (and its peak memory): rsfm against the official
code.

    python tools/analysis_tools/benchmark_pretraining.py
        --algorithm {slffm,spectralgpt,gfm,cmid,gersp} [--official PATH]
        [--arch NAME] [--batch 2] [--size N] [--iters 3] [--warmup 1]
        [--device cpu] [--out NEW_FILE]

Each algorithm runs at its paper's input size, with rsfm's model built from
its shipped config (random weights). With ``--official PATH`` (a checkout of
the official repository, imported from there, never installed) the
reference model is built too; its weights are written in the official
checkpoint layout and loaded into rsfm through rsfm's own converter, and
both losses on one batch and mask are reported before timing.

``slffm`` (``--arch base|large|tiny``): HIT-SIRS/SMLFR's
``Pretrain/{encoder,decoder,pcfm,low_freq}.py`` build the reference PCFM (a
one-line alias lets its ``from timm.models.layers import drop`` import under
timm >= 1.0); SMLFR's code is fixed to 224 px and keeps its low-pass filter
on the CPU (it fails on CUDA inputs as released).

``spectralgpt``: danfenghong/IEEE_TPAMI_SpectralGPT's
``models_mae_spectral.py`` builds ``mae_vit_base_patch8_96`` (12 bands,
96 px, 90% masked; its ``util.logging`` helper, which needs iopath, is
replaced by ``print``; its per-step shape print is silenced); both draw the
mask from one seed.

``gfm``: mmendiet/GFM's ``models/teacher.py`` builds ``SimMIM(
SwinTransformerForSimMIM, SwinTeacher)`` (its ``models`` package, which
imports the yacs config builder, is bypassed): Swin-B student at 192 px,
window 6; Swin-B teacher at 224, window 7; both get GFM's mask.

``cmid`` (``--arch resnet-50|swin-b``): NJU-LHRS/official-CMID's
``Pretrain/models/pretrain_model.py`` builds ``MoCoBasedDDP`` from the
settings of its ``pt_config.yaml`` / ``pt_swin_config.yaml``, imported with
shims for what it needs from mmcv 1.x (moved to mmengine), its trainer
package and ``ml_collections``. The official step includes its EMA update
(CMID's EMAHook runs it after the forward); its masked images are filled in
the batch (CMID's data loader does it), rsfm's in the loss. Both get the
same two views, masks and cell grids.

``gersp``: rsfm only. GeRSP's ``MoCoGeRSP`` needs mmselfsup 0.x on mmcv-full
1.x and its batch shuffle and gather run only on GPUs under a process
group; its computation is checked against the official code written out in
``tests/models/pretrain/test_gersp.py``.

A step is the loss, backward and an AdamW update. Steps of the two models
alternate in one process, in ABBA order (median ms, steps per second,
ratio rsfm / official: < 1 means rsfm is faster). Peak memory of the steps:
on CUDA the peak allocated; on CPU the peak resident set above its value
before the first step, in a fresh process per model.
"""
import argparse
import contextlib
import importlib
import io
import json
import os.path as osp
import subprocess
import sys
import tempfile
import types
from typing import Callable, Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from rsfm.datasets.transforms import RandomResizedCropWithGrid
from rsfm.models.pretrain.base import random_cell_mask
from rsfm.utils.benchmark import (abba_times, emit_report, peak_memory,
                                  results_table, rows_of, timed)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: SMLFR's build_convnext: depths, dims and the drop path it hard-wires
SMLFR_ARCHS = dict(base=([3, 3, 27, 3], [128, 256, 512, 1024], 0.3),
                   large=([3, 3, 27, 3], [192, 384, 768, 1536], 0.4),
                   tiny=([3, 3, 9, 3], [96, 192, 384, 768], 0.))


def _config(*parts):
    return osp.join(REPO, 'configs', *parts)


def _module(name: str, **attrs) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


def _package(name: str, folder: str) -> None:
    """``name`` as a package over ``folder`` without running its
    ``__init__`` (which imports what the benchmark does not need)."""
    package = types.ModuleType(name)
    package.__path__ = [folder]
    sys.modules[name] = package


def _require(repo: str, *files: str) -> None:
    for name in files:
        if not osp.isfile(osp.join(repo, name)):
            raise FileNotFoundError(f'--official {repo} has no {name}')


def total_loss(losses: dict) -> torch.Tensor:
    """The sum of the entries whose key contains ``loss`` (mmengine's
    rule)."""
    return sum(v for k, v in losses.items() if 'loss' in k)


class Bench:
    """One algorithm: rsfm's config, the batch, both losses, and the
    official model with the layout of its checkpoint."""

    config: str
    size: int
    archs = ('base', )
    description = ''
    #: file name and converter of the official checkpoint layout
    checkpoint_name = 'checkpoint.pth'
    converter: Optional[Callable] = None
    comparison = 'one batch and mask'
    #: compare the whole state after the compared step (teacher updates)
    state_after_step = False

    def rsfm_cfg(self, cfg, arch: str):
        return cfg

    def build_rsfm(self, arch: str, device: str):
        init_default_scope('mmpretrain')
        import rsfm.models.pretrain  # noqa: F401
        from mmpretrain.registry import MODELS
        cfg = Config.fromfile(self.config).model
        cfg.pop('data_preprocessor')
        model = MODELS.build(self.rsfm_cfg(cfg, arch))
        model.init_weights()
        return model.to(device)

    def batch(self, args):
        torch.manual_seed(0)
        return torch.randn(args.batch, 3, self.size, self.size,
                           device=args.device)

    def rsfm_loss(self, model, batch) -> torch.Tensor:
        losses = model.loss(batch, None)
        return total_loss(losses)

    def build_official(self, repo: str, arch: str, device: str):
        raise SystemExit(f'{type(self).__name__}: no official model')

    def official_loss(self, model, batch) -> torch.Tensor:
        raise NotImplementedError

    def official_file(self, model) -> dict:
        return {'model': model.state_dict()}


class SLFFMBench(Bench):
    config = _config('slffm', 'slffm_convnext-b_8xb128-200e_geosense-224.py')
    size = 224
    archs = tuple(SMLFR_ARCHS)
    checkpoint_name = 'pcfm_style.pth'

    @property
    def converter(self):
        from rsfm.models.pretrain.slffm import convert_slffm
        return convert_slffm

    def rsfm_cfg(self, cfg, arch):
        cfg.backbone.arch = arch
        cfg.backbone.drop_path_rate = SMLFR_ARCHS[arch][2]
        self.description = f'ConvNeXt-{arch}'
        return cfg

    def batch(self, args):
        """A normalised batch and SMLFR's mask: ``round(0.4 * cells)`` of
        the 32-px cells kept, 20 of 49 at 224 (``active`` (B, 1, h, w),
        True = visible)."""
        x = super().batch(args)
        side = self.size // 32
        keep = torch.rand(args.batch, side * side).argsort(dim=1)
        keep = keep[:, :round(side * side * 0.4)]
        active = torch.zeros(args.batch, side * side, dtype=torch.bool)
        active.scatter_(1, keep, True)
        return x, active.view(args.batch, 1, side, side).to(args.device)

    def rsfm_loss(self, model, batch):
        x, active = batch
        return model.loss(x, None, mask=~active[:, 0])['loss']

    def build_official(self, repo, arch, device):
        _require(repo, *(f'Pretrain/{n}.py' for n in
                         ('encoder', 'decoder', 'pcfm', 'low_freq')))
        if device.startswith('cuda'):
            raise SystemExit('SMLFR\'s PCFM keeps its low-pass filter on the '
                             'CPU and fails on CUDA inputs as released; '
                             'compare on --device cpu')
        import timm.layers
        import timm.models.layers
        if not hasattr(timm.models.layers, 'drop'):  # timm >= 1.0 moved it
            timm.models.layers.drop = timm.layers.drop
        sys.path.insert(0, osp.join(repo, 'Pretrain'))
        pcfm, encoder, decoder = (importlib.import_module(n)
                                  for n in ('pcfm', 'encoder', 'decoder'))
        depths, dims, drop_path = SMLFR_ARCHS[arch]
        cnn = encoder.ConvNeXt(depths=depths, dims=dims,
                               drop_path_rate=drop_path)
        sparse = encoder.SparseEncoder(cnn, input_size=224)
        dense = decoder.LightDecoder(32, width=768, sbn=False)
        return pcfm.PCFM(sparse, dense, 0.6, 'ln', False).to(device)

    def official_loss(self, model, batch):
        return model(*batch)

    def official_file(self, model):
        return {'module': model.state_dict(with_config=True)}


class SpectralGPTBench(Bench):
    config = _config(
        'spectralgpt',
        'spectralgpt_vit-b_8xb16-accum32-amp-200e_fmow-sentinel-96.py')
    size = 96
    description = 'spectral ViT-B'
    comparison = 'one batch, the mask of one seed'

    @property
    def converter(self):
        from rsfm.models.pretrain.spectralgpt import convert_spectralgpt_mae
        return convert_spectralgpt_mae

    def batch(self, args):
        torch.manual_seed(0)
        return torch.rand(args.batch, 12, self.size, self.size,
                          device=args.device)

    def rsfm_loss(self, model, batch):
        torch.manual_seed(1)  # the mask both draw
        return super().rsfm_loss(model, batch)

    def build_official(self, repo, arch, device):
        _require(repo, 'models_mae_spectral.py')
        try:
            import iopath  # noqa: F401
        except ImportError:  # util/logging.py needs it for a print helper
            _module('util.logging', master_print=print)
        sys.path.insert(0, repo)
        module = importlib.import_module('models_mae_spectral')
        return module.mae_vit_base_patch8_96().to(device)

    def official_loss(self, model, batch):
        torch.manual_seed(1)
        with contextlib.redirect_stdout(io.StringIO()):  # its shape print
            return model(batch, mask_ratio=0.9)[0]


class GFMBench(Bench):
    config = _config('gfm', 'gfm_swin-b_8xb128-amp-100e_geopile-192.py')
    size = 192
    description = 'Swin-B student + Swin-B teacher'
    checkpoint_name = 'ckpt_epoch_99.pth'

    @property
    def converter(self):
        from rsfm.models.pretrain.gfm import convert_gfm
        return convert_gfm

    def rsfm_cfg(self, cfg, arch):
        cfg.teacher.init_cfg = None  # no ImageNet-22k file here
        return cfg

    def batch(self, args):
        """A normalised batch and GFM's mask: 22 of 36 cells, on the 48x48
        patch grid."""
        return super().batch(args), random_cell_mask(
            args.batch, 192, 192, 0.6, 32, 4).long().to(args.device)

    def rsfm_loss(self, model, batch):
        x, mask = batch
        return total_loss(model.loss(x, None, mask=mask.bool()))

    def build_official(self, repo, arch, device):
        _require(repo, 'models/teacher.py')
        _package('models', osp.join(repo, 'models'))
        teacher = importlib.import_module('models.teacher')
        swin = dict(patch_size=4, in_chans=3, num_classes=0, embed_dim=128,
                    depths=[2, 2, 18, 2], num_heads=[4, 8, 16, 32],
                    mlp_ratio=4., qkv_bias=True, qk_scale=None,
                    drop_rate=0., drop_path_rate=0., ape=False,
                    patch_norm=True)
        student = teacher.SwinTransformerForSimMIM(img_size=192,
                                                   window_size=6, **swin)
        frozen = teacher.SwinTeacher(alpha=1.0, img_size=224, window_size=7,
                                     **swin)
        for param in frozen.parameters():  # as its "finetune" file name does
            param.requires_grad = False
        return teacher.SimMIM(encoder=student, encoder_stride=32,
                              teacher=frozen).to(device)

    def official_loss(self, model, batch):
        return model(*batch)


def import_cmid(repo: str):
    """CMID's ``pretrain_model`` module, with shims for what its Swin and
    MIM utilities import from mmcv 1.x (now in mmengine), its ``Exploring``
    trainer package, its ``utils`` package and ``ml_collections``."""
    _require(repo, 'Pretrain/models/pretrain_model.py')
    import mmcv.cnn  # noqa: F401  (the real packages first)
    import mmcv.cnn.bricks.transformer  # noqa: F401
    import mmcv.utils
    from mmengine.model import BaseModule, ModuleList, weight_init
    from mmengine.utils import digit_version
    from torch.nn.modules.batchnorm import _BatchNorm
    mmcv.utils.digit_version = digit_version
    mmcv.utils.TORCH_VERSION = torch.__version__
    _module('mmcv.utils.parrots_wrapper', _BatchNorm=_BatchNorm)
    _module('mmcv.runner')
    _module('mmcv.runner.base_module', BaseModule=BaseModule,
            ModuleList=ModuleList)
    _module('mmcv.cnn.utils.weight_init',
            constant_init=weight_init.constant_init,
            trunc_normal_init=weight_init.trunc_normal_init,
            trunc_normal_=weight_init.trunc_normal_)
    _module('Exploring', get_world_size=lambda: 1, get_rank=lambda: 0)
    _module('utils', accuracy_at_k=None, segmentation_accuracy=None)
    _module('ml_collections', ConfigDict=dict)
    _package('models', osp.join(repo, 'Pretrain', 'models'))
    return importlib.import_module('models.pretrain_model')


def cmid_settings(swin: bool) -> types.SimpleNamespace:
    """What MoCoBasedDDP reads of pt_config.yaml / pt_swin_config.yaml."""
    return types.SimpleNamespace(
        ft_classify=False, dataset='millionaid', kernel_size=1,
        in_channels=1024 if swin else 2048, in_chans=3, out_stride=32,
        segmentation=False, residual=False, mask_color='mean',
        backbone='swin' if swin else 'resnet50', mask_stage=0, out_stage=4,
        loss_weight=1.0, reduction='none', activate='sigmoid', alpha=0.2,
        focal_gamma=1.0, fft_weight=1.0, fft_focal=True,
        fft_unmask_weight=0.001, fft_unmask_replace='mixed',
        encoder_in_channels=3, unmask_weight=0., base_momentum=0.996,
        final_momentum=1, temperature=0.2, queue_size=65536, num_matches=20,
        global_branch=True, hidden_dim=2048, out_dim=256, use_bn=not swin,
        class_feat_size=2048, num_layers=3, bottleneck_dim=256,
        center_momentum=0.9, warmup_branch_temp=0.04,
        warmup_branch_temp_epochs=50, online_temp=0.1, epochs=400,
        model_warmup_epoch=0 if swin else -1, branch_temp=0.07)


class CMIDBench(Bench):
    size = 224
    archs = ('resnet-50', 'swin-b')
    checkpoint_name = 'epoch_200.pth'
    comparison = 'one batch, masks and cell grids'
    state_after_step = True

    @property
    def converter(self):
        from rsfm.models.pretrain.cmid import convert_cmid
        return convert_cmid

    def rsfm_cfg(self, cfg, arch):
        self.description = 'ResNet-50' if arch == 'resnet-50' else 'Swin-B'
        self.description += ' student + EMA teacher'
        return cfg

    def build_rsfm(self, arch, device):
        self.config = _config('cmid', f'cmid_{arch}_4xb64-amp-200e_'
                              f'millionaid-224.py')
        model = super().build_rsfm(arch, device)
        model.teacher_temp = 0.04  # the schedule's first epoch (Swin)
        return model

    def batch(self, args):
        """Two normalised views, CMID's masks (30 of 49 cells each) and
        the cell grids of two overlapping crops per image."""
        from mmengine.structures import BaseDataElement
        torch.manual_seed(0)
        B, device = args.batch, args.device
        img, view = (torch.randn(B, 3, 224, 224, device=device)
                     for _ in range(2))
        masks = random_cell_mask(2 * B, 224, 224, 0.6, 32, 4).long().view(
            B, 2, 56, 56).to(device)
        grid = RandomResizedCropWithGrid(size=224, grid_stride=32).grid
        locations = torch.from_numpy(np.stack([np.stack([
            grid(10. + b, 30., 150., 170., False),
            grid(60., 50. + b, 120., 140., True)]) for b in range(B)]))
        samples = []
        for b in range(B):
            sample = BaseDataElement()
            sample.locations = locations[b].to(device)
            samples.append(sample)

        def fill(x, m):  # CMID's loader: masked pixels = the view's mean
            up = m.repeat_interleave(4, 1).repeat_interleave(4, 2)
            return torch.where(up[:, None].bool(),
                               x.mean(dim=(2, 3), keepdim=True), x)

        official = dict(img=img, mim_img=fill(img, masks[:, 0]), view=view,
                        mask=masks[:, 0], view_mask=masks[:, 1],
                        view_mim_img=fill(view, masks[:, 1]),
                        locations=[locations[:, 0].to(device),
                                   locations[:, 1].to(device)])
        return dict(inputs=[img, view], masks=masks.bool(), samples=samples,
                    official=official)

    def rsfm_loss(self, model, batch):
        losses = model.loss(batch['inputs'], batch['samples'],
                            mask=batch['masks'])
        return total_loss(losses)

    def build_official(self, repo, arch, device):
        module = import_cmid(repo)
        return module.MoCoBasedDDP(cmid_settings(arch == 'swin-b')).to(
            device)

    def official_loss(self, model, batch):
        loss = model(batch['official'], batch['inputs'][0].device)
        for online, momentum in model.momentum_pairs:  # CMID's EMAHook
            model.ema.update(online, momentum)
        return loss['total_loss']

    def official_file(self, model):
        return {'epoch': 200, 'num_gpus': 4, 'model': model.state_dict(),
                'optimizer': {}}


class GeRSPBench(Bench):
    config = _config('gersp',
                     'gersp_resnet-50_8xb32-100e_millionaid-imagenet-224.py')
    size = 224
    description = 'ResNet-50 student + key encoder, RS pair + ImageNet image'

    def batch(self, args):
        from mmpretrain.structures import DataSample
        torch.manual_seed(0)
        inputs = [torch.randn(args.batch, 3, 224, 224, device=args.device)
                  for _ in range(3)]
        samples = [DataSample().set_gt_label(i % 1000)
                   for i in range(args.batch)]
        return inputs, samples

    def rsfm_loss(self, model, batch):
        return total_loss(model.loss(*batch))

    def build_official(self, repo, arch, device):
        raise SystemExit('GeRSP\'s MoCoGeRSP needs mmselfsup 0.x on '
                         'mmcv-full 1.x and runs its batch shuffle only on '
                         'GPUs: rsfm alone is benchmarked (its computation is '
                         'checked in tests/models/pretrain/test_gersp.py)')


BENCHES = dict(slffm=SLFFMBench, spectralgpt=SpectralGPTBench, gfm=GFMBench,
               cmid=CMIDBench, gersp=GeRSPBench)


def build(bench: Bench, which: str, args):
    if which == 'rsfm':
        return bench.build_rsfm(args.arch, args.device)
    return bench.build_official(args.official, args.arch, args.device)


def step(bench: Bench, which: str, model, optimizer, batch) -> None:
    loss = bench.rsfm_loss(model, batch) if which == 'rsfm' \
        else bench.official_loss(model, batch)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def optimizer_of(model):
    return torch.optim.AdamW(
        [p for p in model.train().parameters() if p.requires_grad], lr=1e-4)


def same_loss(bench: Bench, models: dict, args) -> str:
    """The official weights, in the official checkpoint layout, loaded into
    rsfm by rsfm's converter; both losses on one batch and mask."""
    from rsfm.checkpoint.loading import load_pretrained
    official = models['official']
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, bench.checkpoint_name)
        torch.save(bench.official_file(official), path)
        report = load_pretrained(models['rsfm'],
                                 dict(type='Pretrained', checkpoint=path),
                                 bench.converter, stub_unknown=True)
    batch = bench.batch(args)
    theirs = bench.official_loss(official.train(), batch).item()
    ours = bench.rsfm_loss(models['rsfm'].train(), batch).item()
    note = (f'the official weights load into rsfm '
            f'({len(report.matched)} tensors, {len(report.missing)} missing, '
            f'{len(report.unexpected)} unexpected); {bench.comparison}: loss '
            f'official {theirs:.6f}, rsfm {ours:.6f} (difference '
            f'{abs(theirs - ours):.1e})')
    if bench.state_after_step:
        after, _ = bench.converter(official.state_dict())
        mine = models['rsfm'].state_dict()
        shared = [k for k in after if k in mine]
        worst = max((after[k].double() - mine[k].double()).abs().max().item()
                    for k in shared)
        note += (f'; after the step (teacher update, queue, centre, BN '
                 f'statistics: {len(shared)} tensors) the largest '
                 f'difference is {worst:.1e}')
    return note


def peak_memory_child(bench: Bench, args) -> dict:
    """In a fresh process: build one model, run the steps, report the peak
    memory of the steps (MiB) above what the process held before them."""
    model = build(bench, args.child, args).train()
    optimizer = optimizer_of(model)
    batch = bench.batch(args)

    def run():
        for _ in range(args.warmup + 1):
            step(bench, args.child, model, optimizer, batch)

    return dict(peak_mib=peak_memory(run, args.device))


def measure_memory(args, which: str) -> float:
    cmd = [sys.executable, osp.abspath(__file__), '--algorithm',
           args.algorithm, '--child', which, '--arch', args.arch, '--batch',
           str(args.batch), '--warmup', str(args.warmup), '--device',
           args.device] + (['--size', str(args.size)] if args.size else [])
    if args.official:
        cmd += ['--official', args.official]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])['peak_mib']


def compare(bench: Bench, args) -> tuple:
    models = {'rsfm': build(bench, 'rsfm', args)}
    notes = []
    if args.official:
        models['official'] = build(bench, 'official', args)
        notes.append(same_loss(bench, models, args))
    optimizers = {k: optimizer_of(m) for k, m in models.items()}
    batch = bench.batch(args)
    times = abba_times(
        list(models), lambda name: timed(lambda: step(
            bench, name, models[name], optimizers[name], batch),
            args.device), args.warmup, args.iters)
    return rows_of(times, lambda name: measure_memory(args, name)), notes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--algorithm', default='slffm', choices=list(BENCHES))
    parser.add_argument('--official', help='a checkout of the official '
                        'repository')
    parser.add_argument('--arch', help='SLFFM: base, large, tiny; CMID: '
                        'resnet-50, swin-b (default: the first)')
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--size', type=int, help='input size (default: the '
                        'paper\'s; another only for SLFFM without --official)')
    parser.add_argument('--iters', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='also write the table to this new '
                        'file')
    parser.add_argument('--child', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    bench = BENCHES[args.algorithm]()
    args.arch = args.arch or bench.archs[0]
    if args.arch not in bench.archs:
        parser.error(f'--arch {args.arch}: {args.algorithm} is benchmarked '
                     f'as {", ".join(bench.archs)}')
    if args.size is not None and args.size != bench.size:
        if args.official or args.algorithm != 'slffm':
            parser.error(f'{args.algorithm} is benchmarked at its paper\'s '
                         f'{bench.size} px (the official model and rsfm\'s '
                         f'config are built for it): --size {bench.size}')
        bench.size = args.size
    if args.out and osp.exists(args.out):
        parser.error(f'--out {args.out} exists; the benchmark writes a new '
                     f'file (paste it into docs/ by hand)')
    if args.child:
        print(json.dumps(peak_memory_child(bench, args)))
        return 0
    rows, notes = compare(bench, args)
    shown = list(argv if argv is not None else sys.argv[1:])
    if args.official:  # not the local path (also in --official=PATH)
        shown = [a.replace(args.official, 'PATH') for a in shown]
    command = ' '.join(
        ['python tools/analysis_tools/benchmark_pretraining.py'] + shown)
    batch = bench.batch(args)
    first = batch[0] if isinstance(batch, (tuple, list)) else \
        batch['inputs'][0] if isinstance(batch, dict) else batch
    first = first[0] if isinstance(first, list) else first
    lines = [
        f'`{command}`', '',
        f'{args.algorithm}, {bench.description}, training step (loss, '
        f'backward, AdamW) on {tuple(first.shape)} inputs, {args.device}, '
        f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
        f'median of {args.iters}', ''
    ] + [f'- {n}' for n in notes] + ([''] if notes else []) + \
        results_table(rows, args.device)
    if len(rows) == 1:
        lines += ['', 'no reference: pass --official PATH to compare']
    text = '\n'.join(lines) + '\n'
    emit_report(text, args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
