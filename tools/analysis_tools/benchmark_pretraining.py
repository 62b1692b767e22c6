"""Time a pretraining step (and its peak memory): rsfm against the official
code.

    python tools/analysis_tools/benchmark_pretraining.py --algorithm slffm
        [--official PATH] [--arch base] [--batch 2] [--size 224]
        [--iters 3] [--warmup 1] [--device cpu] [--out NEW_FILE]

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
import importlib
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from rsfm.utils.atomic import write_text_atomically

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = dict(slffm=osp.join(REPO, 'configs', 'slffm',
                              'slffm_convnext-b_8xb128-200e_geosense-224.py'))
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


def build_rsfm(arch: str, device: str):
    init_default_scope('mmpretrain')
    import rsfm.models.pretrain  # noqa: F401
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(CONFIGS['slffm']).model
    cfg.backbone.arch = arch
    cfg.backbone.drop_path_rate = SMLFR_ARCHS[arch][2]
    cfg.pop('data_preprocessor')
    model = MODELS.build(cfg)
    model.init_weights()
    return model.to(device)


def build_official(repo: str, arch: str, device: str):
    pcfm, encoder, decoder = import_smlfr(repo)
    depths, dims, drop_path = SMLFR_ARCHS[arch]
    cnn = encoder.ConvNeXt(depths=depths, dims=dims,
                           drop_path_rate=drop_path)
    sparse = encoder.SparseEncoder(cnn, input_size=224)
    dense = decoder.LightDecoder(32, width=768, sbn=False)
    return pcfm.PCFM(sparse, dense, 0.6, 'ln', False).to(device)


def step(name: str, model, optimizer, x: torch.Tensor, device: str) -> float:
    """One loss + backward + AdamW step; milliseconds."""
    start = time.perf_counter()
    loss = model.loss(x, None)['loss'] if name == 'rsfm' else model(x)
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
    model = (build_rsfm(args.arch, args.device) if args.child == 'rsfm' else
             build_official(args.official, args.arch, args.device)).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randn(args.batch, 3, args.size, args.size, device=args.device)
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
        step(args.child, model, optimizer, x, args.device)
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
    models = {'rsfm': build_rsfm(args.arch, args.device)}
    notes = []
    if args.official:
        if args.device.startswith('cuda'):
            raise SystemExit('SMLFR\'s PCFM keeps its low-pass filter on the '
                             'CPU and fails on CUDA inputs as released; '
                             'compare on --device cpu')
        models['official'] = build_official(args.official, args.arch,
                                            args.device)
        notes.append(same_loss(models))
    optimizers = {k: torch.optim.AdamW(m.train().parameters(), lr=1e-4)
                  for k, m in models.items()}
    torch.manual_seed(0)
    x = torch.randn(args.batch, 3, args.size, args.size, device=args.device)
    times = {k: [] for k in models}
    for i in range(args.warmup + args.iters):
        order = list(models.items())
        for name, model in order if i % 2 else order[::-1]:  # ABBA
            ms = step(name, model, optimizers[name], x, args.device)
            if i >= args.warmup:
                times[name].append(ms)
    rows = []
    for name in models:
        ms = statistics.median(times[name])
        rows.append((name, ms, 1000 / ms, measure_memory(args, name)))
    return rows, notes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--algorithm', default='slffm', choices=['slffm'])
    parser.add_argument('--official', help='a checkout of the official '
                        'repository (SLFFM: HIT-SIRS/SMLFR)')
    parser.add_argument('--arch', default='base', choices=list(SMLFR_ARCHS))
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--size', type=int, default=224)
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
    if args.official and args.size != 224:
        parser.error('SMLFR\'s PCFM is fixed to 224 px: --size 224')
    if args.child:
        print(json.dumps(peak_memory_child(args)))
        return 0
    rows, notes = compare(args)
    shown = list(argv if argv is not None else sys.argv[1:])
    if args.official:  # not the local path
        shown[shown.index(args.official)] = 'PATH'
    command = ' '.join(
        ['python tools/analysis_tools/benchmark_pretraining.py'] + shown)
    memory = 'step peak allocated (CUDA)' \
        if args.device.startswith('cuda') else 'step peak RSS growth'
    lines = [
        f'`{command}`', '',
        f'{args.algorithm.upper()}, ConvNeXt-{args.arch}, training step '
        f'(loss with a random mask, backward, AdamW) on ({args.batch}, 3, '
        f'{args.size}, {args.size}), {args.device}, torch '
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
