"""Convert a released ConvNeXt checkpoint to rsfm's layout.

    python tools/model_converters/convnext.py SRC DST

SRC may be an SMLFR pretraining checkpoint (``module`` wrapper, with or
without ``sparse_encoder.sp_cnn.``), an official facebookresearch, mmpretrain
or timm ConvNeXt checkpoint. DST gets ``{'state_dict': ..., 'meta': ...}``
with rsfm.ConvNeXt keys. Backbones load SRC directly too (``init_cfg``); this
is for users who want the converted file. DST is never overwritten.
"""
import argparse
import os.path as osp
import sys

import torch
from mmengine.logging import print_log

from rsfm.checkpoint import find_state_dict, load_weights
from rsfm.models.backbones.convnext import convert_convnext


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='released checkpoint')
    parser.add_argument('dst', help='output file (must not exist)')
    args = parser.parse_args(argv)
    if osp.exists(args.dst):
        parser.error(f'{args.dst} exists; choose another output path')
    state_dict, wrapper = find_state_dict(load_weights(args.src), args.src)
    state_dict, fmt = convert_convnext(state_dict)
    torch.save({'state_dict': state_dict,
                'meta': {'source': osp.basename(args.src), 'format': fmt}},
               args.dst)
    print_log(f'{args.src}: {fmt}' +
              (f' (under "{wrapper}")' if wrapper else '') +
              f'; wrote {len(state_dict)} tensors to {args.dst}',
              logger='current')
    return 0


if __name__ == '__main__':
    sys.exit(main())
