"""Time a pretraining step (and its peak memory): rsfm against the official
code.

    python tools/analysis_tools/benchmark_pretraining.py
        --algorithm {slffm,spectralgpt,gfm} [--official PATH] [--arch base]
        [--batch 2] [--size 224 | 96 | 192] [--iters 3] [--warmup 1]
        [--device cpu] [--out NEW_FILE]

``slffm``: rsfm's model is the one of the shipped config
(``configs/slffm/slffm_convnext-b_8xb128-200e_geosense-224.py``: sparse
ConvNeXt, densify, light decoder of width 768, low-pass target) with
``arch``; ``--official PATH`` is a checkout of HIT-SIRS/SMLFR whose
``Pretrain/{encoder,decoder,pcfm,low_freq}.py`` build the reference PCFM
(imported from the checkout, never installed; a one-line alias lets its
``from timm.models.layers import drop`` import under timm >= 1.0). The
reference's weights are loaded into rsfm through rsfm's own converter of
SMLFR's whole-model file, and both losses on one batch and mask are
reported before timing. SMLFR's code is fixed to 224 px.

``spectralgpt``: rsfm's model is the one of
``configs/spectralgpt/spectralgpt_vit-b_8xb16-accum32-amp-200e_fmow-sentinel-
96.py`` (12 bands, 96 px, 90% masked); ``--official PATH`` is a checkout of
danfenghong/IEEE_TPAMI_SpectralGPT whose ``models_mae_spectral.py`` builds
``mae_vit_base_patch8_96`` (its ``util.logging`` helper, which needs iopath,
is replaced by ``print``; its per-step shape print is silenced). Weights go
through rsfm's converter of SpectralGPT's MAE file; both draw the same mask
from the same seed, and the losses are reported before timing.

``gfm``: rsfm's model is the one of
``configs/gfm/gfm_swin-b_8xb128-amp-100e_geopile-192.py`` (Swin-B student at
192 px, window 6; Swin-B teacher at 224, window 7; random weights, as no
ImageNet-22k file is read); ``--official PATH`` is a checkout of
mmendiet/GFM whose ``models/teacher.py`` builds the reference
``SimMIM(SwinTransformerForSimMIM, SwinTeacher)`` (its ``models`` package is
bypassed: it imports the yacs config builder). Weights go through rsfm's
converter of GFM's training file; both get the same mask (GFM's rule), and
the losses are reported before timing.

A step is the loss (random mask), backward and an AdamW update on a random
normalised batch. Steps of the two models alternate in one process, in
ABBA order (median ms, steps per second, ratio rsfm / official: < 1 means
rsfm is faster). Peak memory of the steps: on CUDA the peak allocated; on
CPU the peak resident set, sampled every millisecond, above its value
before the first step, in a fresh process per model. The official code does
not run on CUDA as released (its low-pass filter stays on the CPU); the
script says so rather than patching it.
"""
import argparse
import contextlib
import importlib
import io
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from rsfm.utils.atomic import write_text_atomically

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = dict(
    slffm=osp.join(REPO, 'configs', 'slffm',
                   'slffm_convnext-b_8xb128-200e_geosense-224.py'),
    spectralgpt=osp.join(
        REPO, 'configs', 'spectralgpt',
        'spectralgpt_vit-b_8xb16-accum32-amp-200e_fmow-sentinel-96.py'),
    gfm=osp.join(REPO, 'configs', 'gfm',
                 'gfm_swin-b_8xb128-amp-100e_geopile-192.py'))
#: each algorithm's paper input size
PAPER_SIZE = dict(slffm=224, spectralgpt=96, gfm=192)
#: SMLFR's build_convnext: depths, dims and the drop path it hard-wires
SMLFR_ARCHS = dict(base=([3, 3, 27, 3], [128, 256, 512, 1024], 0.3),
                   large=([3, 3, 27, 3], [192, 384, 768, 1536], 0.4),
                   tiny=([3, 3, 9, 3], [96, 192, 384, 768], 0.))


def import_smlfr(repo: str):
    """SMLFR's ``pcfm``, ``encoder`` and ``decoder`` modules, imported from
    the checkout's ``Pretrain/`` folder."""
    folder = osp.join(repo, 'Pretrain')
    for name in ('encoder.py', 'decoder.py', 'pcfm.py', 'low_freq.py'):
        if not osp.isfile(osp.join(folder, name)):
            raise FileNotFoundError(f'--official {repo} has no '
                                    f'Pretrain/{name}')
    import timm.layers
    import timm.models.layers
    if not hasattr(timm.models.layers, 'drop'):  # timm >= 1.0 moved it
        timm.models.layers.drop = timm.layers.drop
    sys.path.insert(0, folder)
    return (importlib.import_module('pcfm'),
            importlib.import_module('encoder'),
            importlib.import_module('decoder'))


def import_spectralgpt(repo: str):
    """SpectralGPT's ``models_mae_spectral`` from the checkout."""
    if not osp.isfile(osp.join(repo, 'models_mae_spectral.py')):
        raise FileNotFoundError(f'--official {repo} has no '
                                f'models_mae_spectral.py')
    try:
        import iopath  # noqa: F401
    except ImportError:  # util/logging.py needs it for a print helper
        helper = types.ModuleType('util.logging')
        helper.master_print = print
        sys.modules['util.logging'] = helper
    sys.path.insert(0, repo)
    return importlib.import_module('models_mae_spectral')


def import_gfm(repo: str):
    """GFM's ``models/teacher.py`` from the checkout, without running its
    package ``__init__`` (which imports the yacs config builder)."""
    folder = osp.join(repo, 'models')
    if not osp.isfile(osp.join(folder, 'teacher.py')):
        raise FileNotFoundError(f'--official {repo} has no models/teacher.py')
    package = types.ModuleType('models')
    package.__path__ = [folder]
    sys.modules['models'] = package
    return importlib.import_module('models.teacher')


def build_official_gfm(repo: str, device: str):
    teacher = import_gfm(repo)
    swin = dict(patch_size=4, in_chans=3, num_classes=0, embed_dim=128,
                depths=[2, 2, 18, 2], num_heads=[4, 8, 16, 32],
                mlp_ratio=4., qkv_bias=True, qk_scale=None, drop_rate=0.,
                drop_path_rate=0., ape=False, patch_norm=True)
    student = teacher.SwinTransformerForSimMIM(img_size=192, window_size=6,
                                               **swin)
    frozen = teacher.SwinTeacher(alpha=1.0, img_size=224, window_size=7,
                                 **swin)
    for param in frozen.parameters():  # as its "finetune" file name does
        param.requires_grad = False
    return teacher.SimMIM(encoder=student, encoder_stride=32,
                          teacher=frozen).to(device)


def gfm_mask(batch: int, device: str) -> torch.Tensor:
    """GFM's MaskGenerator at 192: 22 of 36 cells, on the 48x48 grid."""
    import numpy as np
    masks = []
    for _ in range(batch):
        cells = np.zeros(36, dtype=int)
        cells[np.random.permutation(36)[:22]] = 1
        masks.append(torch.from_numpy(
            cells.reshape(6, 6).repeat(8, 0).repeat(8, 1)))
    return torch.stack(masks).to(device)


def build_rsfm(algorithm: str, arch: str, device: str):
    init_default_scope('mmpretrain')
    import rsfm.models.pretrain  # noqa: F401
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(CONFIGS[algorithm]).model
    if algorithm == 'slffm':
        cfg.backbone.arch = arch
        cfg.backbone.drop_path_rate = SMLFR_ARCHS[arch][2]
    elif arch != 'base':
        raise SystemExit(f'{algorithm} is benchmarked as its paper\'s '
                         f'base model')
    if algorithm == 'gfm':
        cfg.teacher.init_cfg = None  # no ImageNet-22k file here
    cfg.pop('data_preprocessor')
    model = MODELS.build(cfg)
    model.init_weights()
    return model.to(device)


def build_official(algorithm: str, repo: str, arch: str, device: str):
    if algorithm == 'spectralgpt':
        return import_spectralgpt(repo).mae_vit_base_patch8_96().to(device)
    if algorithm == 'gfm':
        return build_official_gfm(repo, device)
    pcfm, encoder, decoder = import_smlfr(repo)
    depths, dims, drop_path = SMLFR_ARCHS[arch]
    cnn = encoder.ConvNeXt(depths=depths, dims=dims,
                           drop_path_rate=drop_path)
    sparse = encoder.SparseEncoder(cnn, input_size=224)
    dense = decoder.LightDecoder(32, width=768, sbn=False)
    return pcfm.PCFM(sparse, dense, 0.6, 'ln', False).to(device)


def official_loss(algorithm: str, model, x: torch.Tensor) -> torch.Tensor:
    if algorithm == 'slffm':
        return model(x)
    if algorithm == 'gfm':
        return model(x, gfm_mask(x.shape[0], x.device))
    with contextlib.redirect_stdout(io.StringIO()):  # its per-step print
        return model(x, mask_ratio=0.9)[0]


def step(algorithm: str, name: str, model, optimizer, x: torch.Tensor,
         device: str) -> float:
    """One loss + backward + AdamW step; milliseconds."""
    start = time.perf_counter()
    if name == 'rsfm':
        mask = gfm_mask(x.shape[0], x.device).bool() \
            if algorithm == 'gfm' else None
        loss = sum(v for k, v in model.loss(x, None, mask=mask).items()
                   if 'loss' in k)
    else:
        loss = official_loss(algorithm, model, x)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    return (time.perf_counter() - start) * 1000


def _rss_mib() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def peak_memory_child(args) -> dict:
    """In a fresh process: build one model, run the steps, report the peak
    memory of the steps (MiB) above what the process held before them."""
    model = (build_rsfm(args.algorithm, args.arch, args.device)
             if args.child == 'rsfm' else build_official(
                 args.algorithm, args.official, args.arch,
                 args.device)).train()
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-4)
    x = make_batch(args)
    if args.device.startswith('cuda'):
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
    else:
        base, peak, done = _rss_mib(), [0.], threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], _rss_mib())
                time.sleep(0.001)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
    for _ in range(args.warmup + 1):
        step(args.algorithm, args.child, model, optimizer, x, args.device)
    if args.device.startswith('cuda'):
        return dict(peak_mib=(torch.cuda.max_memory_allocated() - base) /
                    2**20)
    done.set()
    sampler.join()
    return dict(peak_mib=peak[0] - base)


def measure_memory(args, which: str) -> float:
    cmd = [sys.executable, osp.abspath(__file__), '--algorithm',
           args.algorithm, '--child', which, '--arch', args.arch, '--batch',
           str(args.batch), '--size', str(args.size), '--warmup',
           str(args.warmup), '--device', args.device]
    if args.official:
        cmd += ['--official', args.official]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])['peak_mib']


def make_batch(args) -> torch.Tensor:
    """A random batch as the data preprocessor gives it: normalised RGB
    (SLFFM) or 12 bands in [0, 1] (SpectralGPT)."""
    torch.manual_seed(0)
    if args.algorithm in ('slffm', 'gfm'):
        return torch.randn(args.batch, 3, args.size, args.size,
                           device=args.device)
    return torch.rand(args.batch, 12, args.size, args.size,
                      device=args.device)


def same_loss_spectralgpt(models, args) -> str:
    """Load the official MAE into rsfm and compare the losses on one batch
    with the mask both draw from one seed."""
    from rsfm.checkpoint.loading import load_pretrained
    from rsfm.models.pretrain.spectralgpt import convert_spectralgpt_mae
    official = models['official']
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'checkpoint.pth')
        torch.save({'model': official.state_dict()}, path)
        report = load_pretrained(models['rsfm'],
                                 dict(type='Pretrained', checkpoint=path),
                                 convert_spectralgpt_mae)
    x = make_batch(args)
    torch.manual_seed(1)
    theirs = official_loss('spectralgpt', official.train(), x).item()
    torch.manual_seed(1)
    ours = models['rsfm'].train().loss(x, None)
    ours = sum(v for k, v in ours.items() if 'loss' in k).item()
    return (f'SpectralGPT\'s weights load into rsfm.SpectralGPT '
            f'({len(report.matched)} tensors, {len(report.missing)} missing, '
            f'{len(report.unexpected)} unexpected); one batch, the mask of '
            f'one seed: loss official {theirs:.6f}, rsfm {ours:.6f} '
            f'(difference {abs(theirs - ours):.1e})')


def same_loss_gfm(models, args) -> str:
    """Load the official model's weights into rsfm through GFM's training
    file layout; compare the losses on one batch and mask."""
    from rsfm.checkpoint.loading import load_pretrained
    from rsfm.models.pretrain.gfm import convert_gfm
    official = models['official']
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'ckpt_epoch_99.pth')
        torch.save({'model': official.state_dict()}, path)
        report = load_pretrained(models['rsfm'],
                                 dict(type='Pretrained', checkpoint=path),
                                 convert_gfm)
    x = make_batch(args)
    mask = gfm_mask(x.shape[0], x.device)
    theirs = official.train()(x, mask).item()
    ours = models['rsfm'].train().loss(x, None, mask=mask.bool())
    ours = sum(v for k, v in ours.items() if 'loss' in k).item()
    return (f'GFM\'s weights load into rsfm.GFM ({len(report.matched)} '
            f'tensors, {len(report.missing)} missing, '
            f'{len(report.unexpected)} unexpected); one batch and mask: loss '
            f'official {theirs:.6f}, rsfm {ours:.6f} (difference '
            f'{abs(theirs - ours):.1e})')


def same_loss(models) -> str:
    """Load the official weights into rsfm (through SMLFR's whole-model
    layout) and compare both losses on one batch and mask."""
    from rsfm.checkpoint.loading import load_pretrained
    from rsfm.models.pretrain.slffm import convert_slffm
    official = models['official']
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'pcfm_style.pth')
        torch.save({'module': official.state_dict(with_config=True)}, path)
        report = load_pretrained(models['rsfm'],
                                 dict(type='Pretrained', checkpoint=path),
                                 convert_slffm)
    x = torch.randn(2, 3, 224, 224, device=next(official.parameters()).device)
    torch.manual_seed(1)
    active = official.mask(2, x.device)
    theirs = official.train()(x, active).item()
    ours = models['rsfm'].train().loss(x, None, mask=~active[:, 0])
    ours = ours['loss'].item()
    return (f'SMLFR\'s weights load into rsfm.SLFFM ({len(report.matched)} '
            f'tensors, {len(report.missing)} missing, '
            f'{len(report.unexpected)} unexpected); one batch and mask: loss '
            f'official {theirs:.6f}, rsfm {ours:.6f} (difference '
            f'{abs(theirs - ours):.1e})')


def compare(args) -> tuple:
    models = {'rsfm': build_rsfm(args.algorithm, args.arch, args.device)}
    notes = []
    if args.official and args.algorithm in ('spectralgpt', 'gfm'):
        models['official'] = build_official(args.algorithm, args.official,
                                            args.arch, args.device)
        compare_loss = same_loss_spectralgpt \
            if args.algorithm == 'spectralgpt' else same_loss_gfm
        notes.append(compare_loss(models, args))
    elif args.official:
        if args.device.startswith('cuda'):
            raise SystemExit('SMLFR\'s PCFM keeps its low-pass filter on the '
                             'CPU and fails on CUDA inputs as released; '
                             'compare on --device cpu')
        models['official'] = build_official(args.algorithm, args.official,
                                            args.arch, args.device)
        notes.append(same_loss(models))
    optimizers = {k: torch.optim.AdamW(
        [p for p in m.train().parameters() if p.requires_grad], lr=1e-4)
        for k, m in models.items()}
    x = make_batch(args)
    times = {k: [] for k in models}
    for i in range(args.warmup + args.iters):
        order = list(models.items())
        for name, model in order if i % 2 else order[::-1]:  # ABBA
            ms = step(args.algorithm, name, model, optimizers[name], x,
                      args.device)
            if i >= args.warmup:
                times[name].append(ms)
    rows = []
    for name in models:
        ms = statistics.median(times[name])
        rows.append((name, ms, 1000 / ms, measure_memory(args, name)))
    return rows, notes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--algorithm', default='slffm',
                        choices=['slffm', 'spectralgpt', 'gfm'])
    parser.add_argument('--official', help='a checkout of the official '
                        'repository (SLFFM: HIT-SIRS/SMLFR)')
    parser.add_argument('--arch', default='base', choices=list(SMLFR_ARCHS))
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--size', type=int,
                        help='input size (default: the paper\'s)')
    parser.add_argument('--iters', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='also write the table to this new '
                        'file')
    parser.add_argument('--child', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.out and osp.exists(args.out):
        parser.error(f'--out {args.out} exists; the benchmark writes a new '
                     f'file (paste it into docs/ by hand)')
    paper = PAPER_SIZE[args.algorithm]
    if args.size is None:
        args.size = paper
    if args.size != paper and (args.official or args.algorithm != 'slffm'):
        parser.error(f'{args.algorithm} is benchmarked at its paper\'s '
                     f'{paper} px (the official model and rsfm\'s config '
                     f'are built for it): --size {paper}')
    if args.child:
        print(json.dumps(peak_memory_child(args)))
        return 0
    rows, notes = compare(args)
    shown = list(argv if argv is not None else sys.argv[1:])
    if args.official:  # not the local path (also in --official=PATH)
        shown = [a.replace(args.official, 'PATH') for a in shown]
    command = ' '.join(
        ['python tools/analysis_tools/benchmark_pretraining.py'] + shown)
    memory = 'step peak allocated (CUDA)' \
        if args.device.startswith('cuda') else 'step peak RSS growth'
    backbone, bands = dict(
        slffm=(f'ConvNeXt-{args.arch}', 3),
        spectralgpt=('spectral ViT-B', 12),
        gfm=('Swin-B student + Swin-B teacher', 3))[args.algorithm]
    lines = [
        f'`{command}`', '',
        f'{args.algorithm}, {backbone}, training step '
        f'(loss with a random mask, backward, AdamW) on ({args.batch}, '
        f'{bands}, {args.size}, {args.size}), {args.device}, torch '
        f'{torch.__version__}, {torch.get_num_threads()} threads, median of '
        f'{args.iters}', ''
    ] + [f'- {n}' for n in notes] + [
        '', f'| model | ms / step | steps / s | {memory} MiB |',
        '|---|---|---|---|'
    ] + [f'| {n} | {ms:.0f} | {sps:.2f} | {mib:.0f} |'
         for n, ms, sps, mib in rows]
    if len(rows) == 2:
        memory = f'{rows[0][3] / rows[1][3]:.2f}' if rows[1][3] > 0 \
            else 'n/a (no growth measured)'
        lines += ['', f'rsfm / official: time {rows[0][1] / rows[1][1]:.2f}, '
                  f'memory {memory}']
    else:
        lines += ['', 'no reference: pass --official PATH to compare']
    text = '\n'.join(lines) + '\n'
    sys.stdout.write(text)
    if args.out:
        write_text_atomically(args.out, text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
