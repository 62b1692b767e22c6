"""rsfm's registry nodes.

Every node is a child of mmengine's root node of the same kind, with
``scope='rsfm'``. A config running in any host scope (mmdet, mmrotate, mmseg,
mmpretrain) reaches an rsfm class as ``type='rsfm.X'``: the host registry
finds no child named ``rsfm`` under itself, climbs to mmengine's root and
descends into these nodes, importing ``locations`` on first use.

Rules (see DESIGN.md):

- register by decorator on the class, in the file that defines it;
- inside rsfm, never build an rsfm-only type by an unprefixed name (the build
  is redirected to the current default scope): construct fixed internals in
  Python, or use ``MODELS.get(name)``.
"""
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

MODELS = Registry(
    'model', parent=MMENGINE_MODELS, scope='rsfm', locations=['rsfm.models'])
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, scope='rsfm',
    locations=['rsfm.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope='rsfm',
    locations=['rsfm.datasets'])
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, scope='rsfm', locations=['rsfm.engine'])
RUNNERS = Registry(
    'runner', parent=MMENGINE_RUNNERS, scope='rsfm',
    locations=['rsfm.engine'])
OPTIMIZERS = Registry(
    'optimizer', parent=MMENGINE_OPTIMIZERS, scope='rsfm',
    locations=['rsfm.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, scope='rsfm',
    locations=['rsfm.engine'])
METRICS = Registry(
    'metric', parent=MMENGINE_METRICS, scope='rsfm',
    locations=['rsfm.evaluation'])
