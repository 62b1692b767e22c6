import os

import pytest
import torch

from rsfm.checkpoint import (choose_prefix, find_known_weights,
                             find_state_dict, load_weights, locate_encoder,
                             pretrained_init_cfg)
from rsfm.models.utils import adapt_input_bands


def test_find_state_dict_wrappers():
    t = torch.zeros(1)
    assert find_state_dict({'a': t}) == ({'a': t}, '')
    assert find_state_dict({'module': {'a': t}, 'arch': 'x'}) == ({'a': t},
                                                                  'module')
    assert find_state_dict({'model': {'state_dict': {'a': t}}})[1] == \
        'model.state_dict'
    with pytest.raises(ValueError, match='no state dict found in f.pth'):
        find_state_dict({'epoch': 3}, 'f.pth')


def test_locate_encoder():
    t = torch.zeros(1)
    sd = {'sparse_encoder.sp_cnn.stem.w': t, 'sparse_encoder.sp_cnn.a': t,
          'dense_decoder.b': t}
    kept, sentinel, where = locate_encoder(sd, ('x.y', 'stem.w'))
    assert sentinel == 'stem.w'
    assert where == ' under "sparse_encoder.sp_cnn.", 1 other keys dropped'
    assert set(kept) == {'stem.w', 'a'}
    with pytest.raises(KeyError, match='none of the keys'):
        locate_encoder(sd, ('nothing', ))
    # preferred prefixes win over their momentum / teacher siblings
    sd = {f'{p}.stem.w': t for p in ('branch_encoder', 'online_encoder.model',
                                     'teacher')}
    assert locate_encoder(sd, ('stem.w', ))[2].startswith(
        ' under "online_encoder.model."')
    with pytest.raises(ValueError, match='several encoders'):
        locate_encoder({'a.stem.w': t, 'b.stem.w': t}, ('stem.w', ))
    # accept() filters candidates
    kept, _, _ = locate_encoder({'a.stem.w': t, 'b.stem.w': t}, ('stem.w', ),
                                accept=lambda p, s: p == 'b.')
    assert set(kept) == {'stem.w'}


@pytest.mark.parametrize('copies,expected', [
    # mmpretrain-style algorithms: the student backbone, not the teacher
    (('backbone', 'teacher'), 'backbone.'),
    (('teacher.backbone', 'backbone'), 'backbone.'),
    (('ema', 'backbone'), 'backbone.'),
    (('target_generator.teacher', 'backbone'), 'backbone.'),
    (('momentum_encoder', 'base_encoder'), 'base_encoder.'),
    (('encoder_k', 'encoder_q'), 'encoder_q.'),
    (('model_ema', 'model'), 'model.'),
    (('encoder', 'teacher'), 'encoder.'),
])
def test_choose_prefix_prefers_the_student(copies, expected):
    """Shortest-prefix-wins loaded 'ema.'/'teacher.' over 'backbone.'."""
    assert choose_prefix([c + '.' for c in copies]) == expected


def test_choose_prefix_keeps_ambiguity_an_error():
    with pytest.raises(ValueError, match='several encoders'):
        choose_prefix(['student_a.', 'student_b.'])
    with pytest.raises(ValueError, match='several encoders'):
        choose_prefix(['a.backbone.', 'b.backbone.'])
    assert choose_prefix(['teacher.']) == 'teacher.'  # the only one


def test_load_weights_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.pth does not exist'):
        load_weights(str(tmp_path / 'missing.pth'))
    torch.save([torch.zeros(1)], tmp_path / 'list.pth')
    with pytest.raises(ValueError, match='holds a list'):
        load_weights(str(tmp_path / 'list.pth'))
    (tmp_path / 'empty.pth').write_bytes(b'')
    with pytest.raises(ValueError, match=r'empty.pth is empty \(0 bytes\)'):
        load_weights(str(tmp_path / 'empty.pth'))
    torch.save({'w': torch.zeros(1000)}, tmp_path / 'full.pth')
    data = (tmp_path / 'full.pth').read_bytes()
    (tmp_path / 'cut.pth').write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match=r'cut.pth \(\d+ bytes\) cannot be '
                       r'read .* truncated or corrupt'):
        load_weights(str(tmp_path / 'cut.pth'))
    (tmp_path / 'text.pth').write_text('not a checkpoint')
    with pytest.raises(ValueError, match='truncated or corrupt'):
        load_weights(str(tmp_path / 'text.pth'))


def test_pretrained_init_cfg():
    cfg = dict(type='Pretrained', checkpoint='a.pth')
    assert pretrained_init_cfg(cfg) == cfg
    assert pretrained_init_cfg([dict(type='Kaiming'), cfg]) == cfg
    assert pretrained_init_cfg(None) is None
    with pytest.raises(ValueError, match="unknown Pretrained init_cfg keys"):
        pretrained_init_cfg(dict(type='Pretrained', checkpoint='a',
                                 strict=True))


def test_adapt_input_bands():
    w = torch.arange(2 * 3 * 1 * 1, dtype=torch.float).reshape(2, 3, 1, 1)
    same, note = adapt_input_bands(w, ('R', 'G', 'B'), None)
    assert same is w and note == ''
    out, note = adapt_input_bands(w, ('R', 'G', 'B'), ('B', 'G', 'NIR'))
    torch.testing.assert_close(out[:, 0], w[:, 2])
    torch.testing.assert_close(out[:, 1], w[:, 1])
    assert torch.all(out[:, 2] == 0)
    assert "kept ['B', 'G']" in note and "new (zero-initialised) ['NIR']" \
        in note and "dropped ['R']" in note
    with pytest.raises(ValueError, match='unnamed'):
        adapt_input_bands(w, None, ('R', 'G', 'B', 'NIR'))
    with pytest.raises(ValueError, match='name 2'):
        adapt_input_bands(w, ('R', 'G'), ('R', ))


def test_load_weights_accepts_namespace_args_only(tmp_path):
    import argparse
    torch.save({'model': {'a': torch.zeros(1)},
                'args': argparse.Namespace(lr=1e-4, model='mae')},
               tmp_path / 'mae.pth')
    ckpt = load_weights(str(tmp_path / 'mae.pth'))
    assert ckpt['args'].model == 'mae'
    torch.save({'model': {'a': torch.zeros(1)}, 'hook': _Code()},
               tmp_path / 'code.pth')
    with pytest.raises(ValueError, match=r'code.pth holds pickled objects '
                       r'beyond weights \(.*_Code\).* is not a plain weight '
                       r'file'):
        load_weights(str(tmp_path / 'code.pth'))


class _Code:
    pass


class _Runs:
    """Unpickling this would run a command."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        import os
        return os.system, (f'touch {self.path}', )


def test_stubbed_load_runs_nothing_and_names_what_it_replaced(tmp_path):
    ran = tmp_path / 'ran'
    torch.save({'model': {'a': torch.ones(2)}, 'hook': _Code(),
                'logs': _Runs(ran), 'epoch': 3}, tmp_path / 'foreign.pth')
    stubs = []
    ckpt = load_weights(str(tmp_path / 'foreign.pth'), stubs=stubs)
    assert not ran.exists()  # os.system was not called
    assert torch.equal(ckpt['model']['a'], torch.ones(2))
    assert ckpt['epoch'] == 3
    assert sorted(stubs) == sorted([f'{__name__}._Code',
                                    f'{os.system.__module__}.system'])
    assert repr(ckpt['logs']).startswith('<opaque ')
    with pytest.raises(ValueError, match='not a plain weight file'):
        load_weights(str(tmp_path / 'foreign.pth'))
    assert not ran.exists()


def test_load_weights_reads_yacs_config_without_yacs(tmp_path):
    """GFM stores its yacs CfgNode; it is read as a plain OrderedDict."""
    import subprocess
    import sys
    pkg = tmp_path / 'fake' / 'yacs'
    pkg.mkdir(parents=True)
    (pkg / '__init__.py').write_text('')
    (pkg / 'config.py').write_text(
        'class CfgNode(dict):\n'
        '    def __init__(self, d=None):\n'
        '        super().__init__(d or {})\n'
        '        self.__dict__["_immutable"] = False\n')
    path = tmp_path / 'gfm.pth'
    code = ('import torch; from yacs.config import CfgNode as C; '
            'torch.save({"model": {"encoder.w": torch.zeros(1)}, "config": '
            'C({"DATA": C({"IMG_SIZE": 192})})}, ' + repr(str(path)) + ')')
    subprocess.run([sys.executable, '-c', code], check=True,
                   env={'PYTHONPATH': str(tmp_path / 'fake'),
                        'PATH': '/usr/bin:/bin'})
    ckpt = load_weights(str(path))
    assert ckpt['config'] == {'DATA': {'IMG_SIZE': 192}}
    assert type(ckpt['config']).__name__ == 'OrderedDict'


def test_known_weights_table():
    known = find_known_weights('/data/ckpt/SpectralGPT+.pth')
    assert known.name == 'spectralgpt-plus' and known.input_size == 128
    assert len(known.bands) == 12 and 'B10' not in known.bands
    assert find_known_weights('gfm.pth').licence == 'Apache-2.0'
    assert find_known_weights('mine.pth') is None
