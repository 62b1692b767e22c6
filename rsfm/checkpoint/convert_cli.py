"""The shared body of ``tools/model_converters/*.py``.

Each script names the paper's backbone converters; this reads the released
file (``weights_only=True``), converts it and writes
``{'state_dict': ..., 'meta': {...}}`` with rsfm's keys. The output is never
an existing file.
"""
import argparse
import os.path as osp
from typing import Callable, Dict, Sequence

import torch
from mmengine.logging import print_log

from rsfm.utils.atomic import atomic_output
from .loading import find_state_dict, load_weights


def convert_main(description: str,
                 converters: Dict[str, Callable],
                 argv: Sequence[str] = None,
                 stub_unknown: bool = False) -> int:
    """Parse ``SRC DST [--arch NAME] [--prefix P]`` and convert;
    ``stub_unknown`` reads SRC's foreign pickled objects as inert
    stand-ins (see :func:`load_weights`)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help='released checkpoint')
    parser.add_argument('dst', help='output file (must not exist)')
    parser.add_argument('--arch', choices=sorted(converters),
                        default=next(iter(converters)),
                        help='backbone family of the checkpoint')
    parser.add_argument('--prefix', help='keep only keys under this prefix')
    args = parser.parse_args(argv)
    if osp.exists(args.dst):
        parser.error(f'{args.dst} exists; choose another output path')
    stubs = [] if stub_unknown else None
    state_dict, wrapper = find_state_dict(load_weights(args.src, stubs=stubs),
                                          args.src)
    if args.prefix:
        state_dict = {k[len(args.prefix):]: v for k, v in state_dict.items()
                      if k.startswith(args.prefix)}
        if not state_dict:
            parser.error(f'no key of {args.src} starts with {args.prefix!r}')
    state_dict, fmt = converters[args.arch](state_dict)
    # a failure (a full disk) leaves no truncated DST behind
    with atomic_output(osp.abspath(args.dst)) as tmp:
        torch.save({'state_dict': state_dict,
                    'meta': {'source': osp.basename(args.src), 'format': fmt,
                             'arch': args.arch}}, tmp)
    print_log(f'{args.src}: {fmt}' +
              (f' (under "{wrapper}")' if wrapper else '') +
              f'; wrote {len(state_dict)} tensors to {args.dst}',
              logger='current')
    return 0
