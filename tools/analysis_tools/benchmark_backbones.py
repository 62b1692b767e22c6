"""Time forward+backward (or inference) of rsfm backbones against timm's.

    python tools/analysis_tools/benchmark_backbones.py [--batch 2] [--size 224]
        [--iters 5] [--warmup 2] [--device cpu] [--inference]
        [--only Swin-T] [--out docs/benchmark.md]

Each pair gets the same input on the same device in one run; runs of the two
models are interleaved so that drift of the machine affects both. timm
models are built with ``features_only=True`` for the four stage outputs
(rsfm adds its per-stage output norms on top); ViTs are compared on their
final-norm tokens. SpectralViT has no timm counterpart. Reported: median ms per
iteration and the rsfm/timm ratio (< 1: rsfm is faster).
"""
import argparse
import statistics
import sys
import time

import torch

from rsfm.models.backbones import (ConvNeXt, ResNet, SwinTransformer,
                                   VisionTransformer)


class _TimmTokens(torch.nn.Module):
    """timm ViT's final-norm tokens, as rsfm's ``out_type='raw'``."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return (self.model.forward_features(x), )


def _timm(name, features=True):
    import timm
    if features:
        return timm.create_model(name, pretrained=False, features_only=True)
    return _TimmTokens(timm.create_model(name, pretrained=False,
                                         num_classes=0))


#: (name, rsfm constructor, timm model name, timm constructor)
PAIRS = (
    ('ConvNeXt-T', lambda: ConvNeXt('tiny'), 'convnext_tiny', _timm),
    ('ResNet-50', lambda: ResNet(depth=50), 'resnet50', _timm),
    ('Swin-T (window 7)', lambda: SwinTransformer('tiny'),
     'swin_tiny_patch4_window7_224', _timm),
    ('ViT-S/16 (tokens)', lambda: VisionTransformer('small', out_type='raw'),
     'vit_small_patch16_224', lambda n: _timm(n, features=False)),
)


def _step(model, x, device, train=True):
    """One forward+backward (``train``) or one forward without gradients;
    milliseconds."""
    start = time.perf_counter()
    if train:
        outs = model(x)
        sum(o.float().mean() for o in outs).backward()
    else:
        with torch.no_grad():
            model(x)
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    return (time.perf_counter() - start) * 1000


def benchmark(batch, size, iters, warmup, device, names=None, train=True):
    rows = []
    for name, build, timm_name, build_timm in PAIRS:
        if names and name.split(' ')[0] not in names:
            continue
        torch.manual_seed(0)
        ours = build().to(device).train(train)
        theirs = build_timm(timm_name).to(device).train(train)
        x = torch.randn(batch, 3, size, size, device=device)
        for _ in range(warmup):
            _step(ours, x, device, train)
            _step(theirs, x, device, train)
        times = {'rsfm': [], 'timm': []}
        for _ in range(iters):
            times['rsfm'].append(_step(ours, x, device, train))
            times['timm'].append(_step(theirs, x, device, train))
        a, b = (statistics.median(times[k]) for k in ('rsfm', 'timm'))
        rows.append((name, timm_name, a, b, a / b))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--only', nargs='+', help='e.g. ConvNeXt-T ResNet-50')
    parser.add_argument('--inference', action='store_true',
                        help='time forward passes without gradients (eval '
                        'mode) instead of forward+backward')
    parser.add_argument('--out', help='also write the table to this file')
    args = parser.parse_args(argv)
    rows = benchmark(args.batch, args.size, args.iters, args.warmup,
                     args.device, args.only, train=not args.inference)
    command = ' '.join(['python tools/analysis_tools/benchmark_backbones.py'] +
                       list(sys.argv[1:] if argv is None else argv))
    lines = [
        f'`{command}`', '',
        f'{"forward (no grad)" if args.inference else "forward+backward"}, '
        f'input ({args.batch}, 3, {args.size}, '
        f'{args.size}), {args.device}, torch {torch.__version__}, '
        f'{torch.get_num_threads()} threads, median of {args.iters}', '',
        '| backbone | timm model | rsfm ms | timm ms | rsfm / timm |',
        '|---|---|---|---|---|'
    ] + [f'| {n} | {t} | {a:.0f} | {b:.0f} | {r:.2f} |'
         for n, t, a, b, r in rows]
    text = '\n'.join(lines) + '\n'
    sys.stdout.write(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
