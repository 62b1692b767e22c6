"""Write ``bit_reference.pth``: a tiny open-cd BITHead's state dict, an
input and its output, for tests/models/change_detection/test_bit_head.py.

Run against an open-cd 1.x checkout (not installed: open-cd is not on the
package registry; only its ``bit_head.py`` is imported, with its registry
import pointed at mmseg's)::

    python tests/data/open_cd/make_bit_reference.py /path/to/open-cd

The committed file was written from likyoo/open-cd at commit 790a197.
"""
import importlib.util
import os.path as osp
import sys
import types

import torch

#: the head's arguments (tiny; the structure of open-cd's bit_r18 config)
HEAD = dict(in_channels=6, channels=8, embed_dims=16, enc_depth=1,
            enc_with_pos=True, dec_depth=2, num_heads=2, token_len=4,
            pre_upsample=2, upsample_size=2, num_classes=2,
            norm_cfg=dict(type='LN', requires_grad=True),
            align_corners=False)
INPUT_SHAPE = (2, 12, 8, 8)  # both dates' 6 channels concatenated


def load_open_cd_head(repo: str):
    from mmseg.registry import MODELS
    registry = types.ModuleType('opencd.registry')
    registry.MODELS = MODELS
    sys.modules.setdefault('opencd', types.ModuleType('opencd'))
    sys.modules['opencd.registry'] = registry
    path = osp.join(repo, 'opencd', 'models', 'decode_heads', 'bit_head.py')
    spec = importlib.util.spec_from_file_location('open_cd_bit_head', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BITHead


def main(repo: str):
    torch.manual_seed(0)
    head = load_open_cd_head(repo)(**HEAD).eval()
    for param in head.parameters():  # no zero-initialised weights
        torch.nn.init.normal_(param, std=0.5)
    inputs = torch.randn(INPUT_SHAPE)
    with torch.no_grad():
        output = head([inputs])
    out = osp.join(osp.dirname(osp.abspath(__file__)), 'bit_reference.pth')
    torch.save(dict(head=HEAD, state_dict=head.state_dict(), inputs=inputs,
                    output=output), out)
    print(f'wrote {out}: output {tuple(output.shape)}')


if __name__ == '__main__':
    main(sys.argv[1])
