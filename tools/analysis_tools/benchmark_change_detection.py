"""Time a BIT training step (and its peak memory): rsfm against open-cd.

    python tools/analysis_tools/benchmark_change_detection.py \\
        [--open-cd PATH] [--arch base] [--batch 2] [--size 256] [--iters 5]
        [--warmup 2] [--device cpu] [--out NEW_FILE]

The rsfm model is the one of the shipped LEVIR-CD config
(``configs/bit/bit_convnext-b-slffm_8xb8-20k_levir-cd-256x256.py``: ConvNeXt
stage 0, concat fusion, BIT head) without pretrained weights. With
``--open-cd PATH`` (a checkout of likyoo/open-cd 1.x; open-cd is not on the
package registry and is never installed or imported by rsfm itself) the
reference is the same model built from open-cd's own ``SiamEncoderDecoder``,
``FeatureFusionNeck`` and ``BITHead`` around the same backbone: rsfm's weights
are loaded into it with ``strict=True`` and the largest output difference is
reported before timing. A step is loss, backward and an AdamW update on a
random pair batch with random change maps. Steps of the two models alternate
in one process, in ABBA order (median ms, steps per second, rsfm / open-cd
ratio: < 1 means rsfm is faster). Peak memory of the steps: on CUDA the peak
allocated; on CPU the peak resident set, sampled every millisecond, above its
value before the first step, in a fresh process per model.
"""
import argparse
import importlib.util
import json
import os.path as osp
import subprocess
import sys
import types

import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope

from rsfm.utils.benchmark import (abba_times, emit_report, peak_memory,
                                  results_table, rows_of, timed)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'bit',
                  'bit_convnext-b-slffm_8xb8-20k_levir-cd-256x256.py')
#: open-cd files defining the reference model, inside a checkout
OPEN_CD_FILES = ('opencd/models/decode_heads/bit_head.py',
                 'opencd/models/necks/feature_fusion.py',
                 'opencd/models/change_detectors/siamencoder_decoder.py')


def model_cfg(arch: str) -> ConfigDict:
    cfg = Config.fromfile(CONFIG).model
    from rsfm.models.backbones import ConvNeXt
    cfg.backbone.update(arch=arch, init_cfg=None)
    cfg.decode_head.in_channels = ConvNeXt.arch_settings[arch]['dims'][0]
    cfg.pop('data_preprocessor')
    return cfg


def import_open_cd(repo: str) -> None:
    """Register open-cd's three classes (from the checkout's files) into
    mmseg's registry, as open-cd's own registry would."""
    from mmseg.registry import MODELS
    shim = types.ModuleType('opencd.registry')
    shim.MODELS = MODELS
    sys.modules.setdefault('opencd', types.ModuleType('opencd'))
    sys.modules['opencd.registry'] = shim
    for rel in OPEN_CD_FILES:
        path = osp.join(repo, rel)
        if not osp.isfile(path):
            raise FileNotFoundError(f'--open-cd {repo} has no {rel}')
        spec = importlib.util.spec_from_file_location(
            'open_cd_' + osp.basename(rel)[:-3], path)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


def build(which: str, arch: str, device: str):
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    import rsfm.models.change_detection  # noqa: F401
    cfg = model_cfg(arch)
    if which == 'open-cd':
        cfg.type = 'SiamEncoderDecoder'  # open-cd's, registered in mmseg
        cfg.backbone_inchannels = 3
        cfg.neck.type = 'FeatureFusionNeck'
        cfg.decode_head.type = 'BITHead'
    return MODELS.build(cfg).to(device)


def batch(size: int, n: int, device: str):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    torch.manual_seed(0)
    inputs = torch.randn(n, 6, size, size, device=device)
    samples = []
    for _ in range(n):
        sample = SegDataSample(metainfo=dict(img_shape=(size, size),
                                             pad_shape=(size, size)))
        sample.gt_sem_seg = PixelData(data=torch.randint(
            0, 2, (1, size, size), device=device))
        samples.append(sample)
    return inputs, samples


def train_step(model, optimizer, inputs, samples) -> None:
    """One loss + backward + AdamW step."""
    losses = model.loss(inputs, samples)
    optimizer.zero_grad()
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    optimizer.step()


def peak_memory_child(args) -> dict:
    """In a fresh process: build one model, run the steps, report the peak
    memory of the steps (MiB) above what the process held before them."""
    if args.open_cd:
        import_open_cd(args.open_cd)
    model = build(args.child, args.arch, args.device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    inputs, samples = batch(args.size, args.batch, args.device)

    def run():
        for _ in range(args.warmup + 1):
            train_step(model, optimizer, inputs, samples)

    return dict(peak_mib=peak_memory(run, args.device))


def measure_memory(args, which: str) -> float:
    cmd = [sys.executable, osp.abspath(__file__), '--child', which,
           '--arch', args.arch, '--batch', str(args.batch), '--size',
           str(args.size), '--warmup', str(args.warmup), '--device',
           args.device]
    if args.open_cd:
        cmd += ['--open-cd', args.open_cd]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])['peak_mib']


def compare(args) -> list:
    """Rows ``(model, median ms, steps/s, peak MiB)``, and the output
    difference line."""
    models = {'rsfm': build('rsfm', args.arch, args.device)}
    notes = []
    if args.open_cd:
        import_open_cd(args.open_cd)
        reference = build('open-cd', args.arch, args.device)
        reference.load_state_dict(models['rsfm'].state_dict(), strict=True)
        inputs, _ = batch(args.size, 1, args.device)
        with torch.no_grad():
            diff = (models['rsfm'].eval()._forward(inputs) -
                    reference.eval()._forward(inputs)).abs().max().item()
        notes.append(f'open-cd loads rsfm\'s state dict with strict=True; '
                     f'largest output difference {diff:.2e}')
        models['open-cd'] = reference
    optimizers = {k: torch.optim.AdamW(m.train().parameters(), lr=1e-4)
                  for k, m in models.items()}
    inputs, samples = batch(args.size, args.batch, args.device)
    times = abba_times(
        list(models), lambda name: timed(lambda: train_step(
            models[name], optimizers[name], inputs, samples), args.device),
        args.warmup, args.iters)
    return rows_of(times, lambda name: measure_memory(args, name)), notes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--open-cd', help='a checkout of likyoo/open-cd')
    parser.add_argument('--arch', default='base',
                        choices=['atto', 'tiny', 'small', 'base', 'large'])
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='also write the table to this new '
                        'file')
    parser.add_argument('--child', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.out and osp.exists(args.out):
        parser.error(f'--out {args.out} exists; the benchmark writes a new '
                     f'file (paste it into docs/ by hand)')
    if args.child:
        print(json.dumps(peak_memory_child(args)))
        return 0
    rows, notes = compare(args)
    shown = list(argv if argv is not None else sys.argv[1:])
    if args.open_cd:  # not the local path
        shown[shown.index(args.open_cd)] = 'PATH'
    command = ' '.join(
        ['python tools/analysis_tools/benchmark_change_detection.py'] +
        shown)
    lines = [
        f'`{command}`', '',
        f'BIT, ConvNeXt-{args.arch} stage 0, training step (loss, backward, '
        f'AdamW) on ({args.batch}, 2 x 3, {args.size}, {args.size}), '
        f'{args.device}, torch {torch.__version__}, '
        f'{torch.get_num_threads()} threads, median of {args.iters}', ''
    ] + [f'- {n}' for n in notes] + ([''] if notes else []) + \
        results_table(rows, args.device)
    if len(rows) == 1:
        lines += ['', 'no reference: pass --open-cd PATH to compare']
    text = '\n'.join(lines) + '\n'
    emit_report(text, args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
