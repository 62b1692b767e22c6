"""Load pretrained weights into an rsfm backbone, and say what was loaded.

Every rsfm backbone routes ``init_cfg=dict(type='Pretrained', checkpoint=...)``
through :func:`load_pretrained`:

1. the file is read with ``torch.load(weights_only=True)``: a pretrained
   weight file may hold tensors and plain containers, never code;
2. the state dict is found inside its wrapper (``state_dict``, ``model``,
   ``module``, ...) and, with ``prefix``, cut to the keys under it;
3. the backbone's pure converter recognises the format by key sentinels and
   renames keys to rsfm's layout;
4. the backbone adapts what must be adapted (input bands, resized tables);
5. tensors load with ``strict=False`` and a :class:`LoadReport` is logged;
   a load that matches less than ``min_match`` of the backbone's parameters
   is an error, not a warning.
"""
import argparse
import codecs
import collections
import os
import os.path as osp
import pickle
import re
import types
import zipfile
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.logging import HistoryBuffer, print_log

from .known_weights import describe, find_known_weights

#: keys that wrap a state dict in released checkpoints, in search order
WRAPPER_KEYS = ('state_dict', 'model', 'module', 'teacher', 'student')

#: classes a weight file may hold besides tensors and containers, read
#: without running code: MAE-style trainers (SpectralGPT) store ``args`` as an
#: ``argparse.Namespace``; Swin/SimMIM trainers (GFM) store their yacs
#: ``config``, read here as a plain ``OrderedDict`` (yacs is not imported).
SAFE_GLOBALS = (argparse.Namespace,
                (collections.OrderedDict, 'yacs.config.CfgNode'))


def _history_getattr(obj, name: str):
    """``getattr`` as mmengine's message hub pickles it: only the statistic
    methods of ``HistoryBuffer`` (its ``_statistics_methods``)."""
    if obj is HistoryBuffer and not name.startswith('_') and \
            callable(getattr(HistoryBuffer, name, None)):
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'getattr({obj!r}, {name!r}) is not part of mmengine\'s training '
        f'state')


#: what an mmengine checkpoint holds besides tensors and containers: the
#: message hub (``HistoryBuffer`` with its statistic methods, numpy arrays
#: and scalars) and numpy values in the meta; nothing that runs code
RUN_SAFE_GLOBALS = SAFE_GLOBALS + (
    HistoryBuffer, np.ndarray, np.dtype, np._core.multiarray._reconstruct,
    np._core.multiarray.scalar, codecs.encode,
    # files written under numpy 1.x name the same functions numpy.core
    (np._core.multiarray._reconstruct, 'numpy.core.multiarray._reconstruct'),
    (np._core.multiarray.scalar, 'numpy.core.multiarray.scalar'),
    *(getattr(np.dtypes, name) for name in np.dtypes.__all__),
    (_history_getattr, 'builtins.getattr'),
    (_history_getattr, '__builtin__.getattr'))

#: init_cfg keys that rsfm's loader understands
PRETRAINED_KEYS = ('type', 'checkpoint', 'prefix', 'map_location',
                   'checkpoint_bands', 'spectral_groups', 'min_match')


@dataclass
class LoadReport:
    """What a pretrained load did; ``str(report)`` is what gets logged."""
    source: str
    fmt: str = 'unknown'
    wrapper: str = ''
    matched: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    mismatched: List[Tuple[str, tuple, tuple]] = field(default_factory=list)
    resized: List[Tuple[str, tuple, tuple]] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    match_ratio: float = 0.

    def __str__(self) -> str:

        def listing(keys, limit=8):
            keys = list(keys)
            shown = ', '.join(str(k) for k in keys[:limit])
            more = f', ... (+{len(keys) - limit})' if len(keys) > limit \
                else ''
            return f'{len(keys)}' + (f' [{shown}{more}]' if keys else '')

        lines = [
            f'load report for {self.source}',
            f'  format: {self.fmt}' +
            (f' (state dict under "{self.wrapper}")' if self.wrapper else ''),
            f'  matched: {len(self.matched)} tensors '
            f'({self.match_ratio:.1%} of the parameters)',
            f'  missing (left as initialised): {listing(self.missing)}',
            f'  unexpected (ignored): {listing(self.unexpected)}',
        ]
        if self.mismatched:
            lines.append('  shape mismatch (ignored): ' + listing(
                f'{k} {tuple(a)}->{tuple(b)}' for k, a, b in self.mismatched))
        for key, src, dst in self.resized:
            lines.append(f'  resized: {key} {tuple(src)} -> {tuple(dst)}')
        lines += [f'  {note}' for note in self.notes]
        return '\n'.join(lines)


class CodeInCheckpointError(ValueError):
    """A file that ``torch.load(weights_only=True)`` refuses: loading it
    would unpickle (run) code."""


def safe_torch_load(filename: str, map_location='cpu',
                    safe_globals=SAFE_GLOBALS, what: str = 'checkpoint'):
    """``torch.load(weights_only=True)`` allowing ``safe_globals``, with
    errors that name the file and say what is wrong with it.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is empty, truncated or not a torch file.
        CodeInCheckpointError: the file holds pickled objects beyond
            tensors, containers and ``safe_globals``.
    """
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{what} {filename} does not exist')
    size = os.path.getsize(filename)
    if size == 0:
        raise ValueError(f'{what} {filename} is empty (0 bytes): an '
                         f'interrupted download or copy? Fetch it again.')
    try:
        with torch.serialization.safe_globals(list(safe_globals)):
            return torch.load(filename, map_location=map_location,
                              weights_only=True)
    except pickle.UnpicklingError as e:
        if 'Unsupported global' in str(e):
            detail = next((line.strip() for line in str(e).splitlines()
                           if 'Unsupported global' in line), '')
            raise CodeInCheckpointError(
                f'{what} {filename} holds pickled objects beyond weights '
                f'({detail.split(" was not")[0]})') from e
        error = e
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError) as e:
        error = e
    raise ValueError(
        f'{what} {filename} ({size} bytes) cannot be read as a torch file: '
        f'it looks truncated or corrupt ({type(error).__name__}). Fetch it '
        f'again.') from error


class OpaqueObject(dict):
    """Stand-in for a pickled object whose class is not allowed: it takes
    whatever the pickle gives it (constructor arguments, items, state) and
    runs nothing. Subclasses carry the original class name."""

    original = ''

    def __init__(self, *args, **kwargs):
        super().__init__()
        self.args = args

    def __setstate__(self, state):
        self.state = state

    def append(self, item):
        self.setdefault('items', []).append(item)

    def extend(self, items):
        self.setdefault('items', []).extend(items)

    def __repr__(self) -> str:
        return f'<opaque {self.original}>'


def _load_with_stubs(filename: str, map_location,
                     stubs: List[str]) -> dict:
    """``torch.load`` through an unpickler that resolves torch's own
    weights-only globals and :data:`RUN_SAFE_GLOBALS`, and replaces every
    other class or function by an :class:`OpaqueObject` subclass: no module
    of the file is imported and no code of it runs. The names replaced are
    appended to ``stubs``."""
    from torch._weights_only_unpickler import _get_allowed_globals
    allowed = dict(_get_allowed_globals())
    for entry in RUN_SAFE_GLOBALS:
        obj, name = entry if isinstance(entry, tuple) else \
            (entry, f'{entry.__module__}.{entry.__qualname__}')
        allowed[name] = obj
    made: Dict[str, type] = {}

    class Unpickler(pickle.Unpickler):

        def find_class(self, module, name):
            full = f'{module}.{name}'
            if full in allowed:
                return allowed[full]
            if full not in made:
                made[full] = type(name, (OpaqueObject, ),
                                  dict(original=full))
                stubs.append(full)
            return made[full]

    stub_pickle = types.SimpleNamespace(
        __name__='rsfm_stub_pickle', Unpickler=Unpickler, load=pickle.load)
    return torch.load(filename, map_location=map_location,
                      weights_only=False, pickle_module=stub_pickle)


def load_weights(filename: str, map_location='cpu',
                 stubs: Optional[List[str]] = None) -> dict:
    """Read a weight file with ``weights_only=True`` (plus
    :data:`RUN_SAFE_GLOBALS`: a plain weight file, or a checkpoint an
    mmengine run wrote, e.g. of rsfm pretraining).

    Args:
        stubs: Given a list, a file that holds other pickled objects (a
            foreign trainer's logs, e.g. CMID's ``metric_storage``) is read
            with those objects replaced by inert stand-ins (see
            :func:`_load_with_stubs`; nothing is imported or run) and their
            class names appended to the list. Without it such a file is an
            error.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is unreadable, or holds more than tensors and
            plain containers (and ``stubs`` is not given).
    """
    try:
        # weights, or an rsfm / mmengine training checkpoint (its message
        # hub state is data, not code)
        checkpoint = safe_torch_load(filename, map_location,
                                     RUN_SAFE_GLOBALS,
                                     what='pretrained checkpoint')
    except CodeInCheckpointError as e:
        if stubs is not None:
            checkpoint = _load_with_stubs(filename, map_location, stubs)
            print_log(f'{filename}: read with inert stand-ins for the '
                      f'pickled classes {stubs} (not imported, no code '
                      f'run)', logger='current')
            return checkpoint
        raise ValueError(
            f'{e}: {filename} is not a plain weight file. rsfm does not '
            f'unpickle code from pretrained weights; if you trust the file, '
            f're-save its state dict with torch.save(state_dict).') from e
    if not isinstance(checkpoint, dict):
        raise ValueError(f'{filename} holds a {type(checkpoint).__name__}, '
                         f'not a dict of tensors')
    return checkpoint


def find_state_dict(checkpoint: dict, source: str = '') -> Tuple[dict, str]:
    """Return ``(state_dict, wrapper key path)`` of a loaded checkpoint.

    Descends (at most twice) into the first of :data:`WRAPPER_KEYS` that holds
    a dict, e.g. ``module`` (SMLFR) or ``model`` -> ``state_dict``; the tensors
    found there are the state dict, other entries are dropped.
    """
    path, node = [], checkpoint
    while len(path) < 2:
        key = next((k for k in WRAPPER_KEYS if isinstance(node.get(k), dict)),
                   None)
        if key is None:
            break
        path.append(key)
        node = node[key]
    tensors = {k: v for k, v in node.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise ValueError(
            f'no state dict found in {source or "the checkpoint"}: keys '
            f'{sorted(node)[:10]} under "{".".join(path)}" hold no tensors; '
            f'expected tensors or one of {WRAPPER_KEYS}')
    return tensors, '.'.join(path)


#: prefixes of the encoder to load, best first: an mmpretrain-style
#: algorithm's ``backbone.`` (rsfm's own pretraining checkpoints), MoCo /
#: GeRSP's query encoder, CMID's online encoder, GFM's student
PREFERRED_PREFIXES = ('backbone.', 'encoder_q.', 'online_encoder.model.',
                      'encoder.')

#: words of a prefix that mark a teacher, momentum, EMA or key-encoder copy
#: (``teacher.``, ``ema_model.``, ``momentum_encoder.``, ``target_encoder.``,
#: ``encoder_k.``, CMID's ``branch_encoder.``): never chosen over another
#: candidate
COPY_WORDS = {'teacher', 'ema', 'momentum', 'target', 'k', 'key', 'branch'}


def is_copy_prefix(prefix: str) -> bool:
    """Whether ``prefix`` names a teacher / momentum / EMA / key copy."""
    return any(word in COPY_WORDS
               for word in re.split(r'[._]', prefix.lower()) if word)


def choose_prefix(prefixes: List[str], what: str = 'encoders') -> str:
    """Pick the prefix of the backbone to load among candidate prefixes.

    Teacher, momentum, EMA and key-encoder copies (:func:`is_copy_prefix`)
    are set aside while another candidate exists; then the first of
    :data:`PREFERRED_PREFIXES` (as a whole prefix or its last components)
    that some candidate matches decides. One candidate left is the answer;
    more are an error asking for an explicit ``init_cfg`` ``prefix``.
    """
    candidates = sorted(set(prefixes))
    pool = [p for p in candidates if not is_copy_prefix(p)] or candidates
    for preferred in PREFERRED_PREFIXES:
        tier = [p for p in pool
                if p == preferred or p.endswith('.' + preferred)]
        if tier:
            pool = tier
            break
    if len(pool) == 1:
        return pool[0]
    raise ValueError(f'several {what} in the checkpoint, under {pool}; '
                     f'choose one with init_cfg prefix=...')


def locate_encoder(state_dict: Dict[str, torch.Tensor],
                   sentinels: Tuple[str, ...],
                   what: str = 'encoders',
                   accept: Optional[Callable[[str, str], bool]] = None,
                   drop_suffixes: Tuple[str, ...] = ()
                   ) -> Tuple[Dict[str, torch.Tensor], str, str]:
    """Cut ``state_dict`` to the encoder marked by a sentinel key.

    A prefix is whatever precedes a sentinel (``sparse_encoder.sp_cnn.``
    before ``downsample_layers.0.0.weight``), if ``accept(prefix, sentinel)``
    agrees; :func:`choose_prefix` picks among several. Keys ending with
    ``drop_suffixes`` (buffers rsfm recomputes) are left out.

    Returns:
        ``(state dict under the prefix, the sentinel found, a description
        of where it was found)``.
    """
    hits = [(k[:-len(s)], s) for k in state_dict for s in sentinels
            if k.endswith(s) and (accept is None or accept(k[:-len(s)], s))]
    if not hits:
        raise KeyError(f'none of the keys {sentinels} is in the checkpoint')
    prefix = choose_prefix([p for p, _ in hits], what)
    sentinel = next(s for p, s in hits if p == prefix)
    kept = {k[len(prefix):]: v for k, v in state_dict.items()
            if k.startswith(prefix) and not k.endswith(drop_suffixes)}
    dropped = len(state_dict) - len(kept)
    where = (f' under "{prefix}"' if prefix else '') + \
        (f', {dropped} other keys dropped' if dropped else '')
    return kept, sentinel, where


def pretrained_init_cfg(init_cfg) -> Optional[dict]:
    """The ``type='Pretrained'`` entry of an ``init_cfg`` (dict or list)."""
    cfgs = init_cfg if isinstance(init_cfg, list) else [init_cfg]
    found = [c for c in cfgs
             if isinstance(c, dict) and c.get('type') == 'Pretrained']
    if len(found) > 1:
        raise ValueError('init_cfg names more than one Pretrained checkpoint')
    if found:
        unknown = set(found[0]) - set(PRETRAINED_KEYS)
        if unknown:
            raise ValueError(f'unknown Pretrained init_cfg keys '
                             f'{sorted(unknown)}; rsfm backbones accept '
                             f'{PRETRAINED_KEYS}')
        return dict(found[0])
    return None


def load_pretrained(model: nn.Module,
                    init_cfg: dict,
                    convert: Callable[[dict], Tuple[dict, str]],
                    adapt: Optional[Callable[[dict, LoadReport, dict],
                                             dict]] = None,
                    min_match: float = 0.5,
                    stub_unknown: bool = False) -> LoadReport:
    """Load ``init_cfg['checkpoint']`` into ``model`` (see module docstring).

    Args:
        model: The backbone.
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH, prefix=None,
            checkpoint_bands=None, min_match=None)``.
        convert: The backbone's converter, ``state_dict -> (state_dict,
            format name)``.
        adapt: ``(state_dict, report, init_cfg) -> state_dict``, the
            backbone's adaptation of converted tensors (bands, tables).
        min_match: Smallest share of the model's parameter elements that
            must load; ``init_cfg['min_match']`` overrides it.
        stub_unknown: Read a file that holds pickled objects beyond weights
            with inert stand-ins for them (see :func:`load_weights`), and
            say so in the report.

    Returns:
        The :class:`LoadReport`, also logged.
    """
    source = init_cfg['checkpoint']
    stubs = [] if stub_unknown else None
    checkpoint = load_weights(source, init_cfg.get('map_location', 'cpu'),
                              stubs)
    state_dict, wrapper = find_state_dict(checkpoint, source)
    report = LoadReport(source=source, wrapper=wrapper)
    if stubs:
        report.notes.append(
            f'pickled objects of classes {stubs} read as inert stand-ins '
            f'(not imported, no code run) and dropped')
    known = find_known_weights(source)
    if known is not None:
        report.notes.append(describe(known))
    prefix = init_cfg.get('prefix')
    if prefix:
        prefix = prefix if prefix.endswith('.') else prefix + '.'
        kept = {k[len(prefix):]: v for k, v in state_dict.items()
                if k.startswith(prefix)}
        if not kept:
            raise ValueError(f'{source}: no key starts with prefix '
                             f'{prefix!r}')
        report.notes.append(f'kept {len(kept)} of {len(state_dict)} keys '
                            f'under prefix "{prefix}"')
        state_dict = kept
    try:
        state_dict, report.fmt = convert(state_dict)
    except (KeyError, ValueError) as e:
        raise ValueError(f'{source}: {e}') from e
    if adapt is not None:
        state_dict = adapt(state_dict, report, init_cfg)

    own = model.state_dict()
    loadable = {}
    for key, value in state_dict.items():
        if key not in own:
            report.unexpected.append(key)
        elif own[key].shape != value.shape:
            report.mismatched.append((key, value.shape, own[key].shape))
        else:
            loadable[key] = value
    report.matched = sorted(loadable)
    report.unexpected.sort()
    report.missing = sorted(k for k in own if k not in loadable)
    params = dict(model.named_parameters())
    total = sum(p.numel() for p in params.values())
    report.match_ratio = sum(params[k].numel() for k in loadable
                             if k in params) / max(total, 1)
    model.load_state_dict(loadable, strict=False)
    print_log(str(report), logger='current')
    threshold = init_cfg.get('min_match', min_match)
    if report.match_ratio < threshold:
        raise ValueError(
            f'{source} matched only {report.match_ratio:.1%} of the '
            f'parameters of {type(model).__name__} (at least {threshold:.0%} '
            f'expected; format {report.fmt}); is it a checkpoint of this '
            f'architecture? Set init_cfg min_match to accept it.\n'
            f'{report}')
    return report
