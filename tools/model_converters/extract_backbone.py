"""Write the backbone of an rsfm training checkpoint as a backbone-only file.

    python tools/model_converters/extract_backbone.py SRC DST [--prefix P]

SRC is a checkpoint written by ``tools/train.py`` / ``tools/dist_train.sh``
(``state_dict`` with ``backbone.*``, e.g. of an SLFFM pretraining run); DST
gets ``{'state_dict': {key without the prefix: tensor}, 'meta': {...}}``,
which downstream backbones load through ``init_cfg=dict(type='Pretrained',
checkpoint=DST)``. Downstream configs also read SRC directly (the
``backbone.`` prefix is found); this file is smaller and holds no optimizer,
and it leaves out what only pretraining uses (the ``mask_token`` of CMID's
and GFM's masked students), so a downstream backbone loads it with nothing
unexpected. DST must not exist.
"""
import argparse
import os.path as osp
import sys

import torch
from mmengine.logging import print_log

from rsfm.checkpoint import find_state_dict
from rsfm.checkpoint.loading import load_weights
from rsfm.utils.atomic import atomic_output

#: backbone parameters that only pretraining uses
PRETRAINING_ONLY = ('mask_token', )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='training checkpoint')
    parser.add_argument('dst', help='output file (must not exist)')
    parser.add_argument('--prefix', default='backbone.',
                        help='key prefix of the backbone (default backbone.)')
    args = parser.parse_args(argv)
    if osp.exists(args.dst):
        parser.error(f'{args.dst} exists; choose another output path')
    state_dict, _ = find_state_dict(load_weights(args.src), args.src)
    prefix = args.prefix
    backbone = {k[len(prefix):]: v for k, v in state_dict.items()
                if k.startswith(prefix)}
    dropped = [k for k in backbone if k in PRETRAINING_ONLY]
    for key in dropped:
        del backbone[key]
    if not backbone:
        roots = sorted({k.split('.')[0] for k in state_dict})
        parser.error(f'no key of {args.src} starts with {prefix!r}; its '
                     f'top-level names are {roots}')
    with atomic_output(osp.abspath(args.dst)) as tmp:
        torch.save({'state_dict': backbone,
                    'meta': {'source': osp.basename(args.src),
                             'prefix': prefix}}, tmp)
    print_log(f'wrote {len(backbone)} of {len(state_dict)} tensors of '
              f'{args.src} (under {prefix!r}) to {args.dst}' +
              (f'; left out {dropped} (pretraining only)' if dropped else ''),
              logger='current')
    return 0


if __name__ == '__main__':
    sys.exit(main())
