"""Shared fixtures: tiny datasets written by the seeded generators."""
import os.path as osp
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from tests.data.dota.data import make_raw, make_split  # noqa: E402
from tests.data.potsdam.data import make_potsdam  # noqa: E402
from tests.data.cdd.data import make_converted as make_cdd  # noqa: E402
from tests.data.dior_r.data import make_dior_r  # noqa: E402
from tests.data.loveda.data import \
    make_converted as make_loveda  # noqa: E402
from tests.data.levir_cd.data import \
    make_converted as make_levir_cd  # noqa: E402
from tests.data.oscd.data import make_converted as make_oscd  # noqa: E402
from tests.data.unlabeled.data import make_unlabeled  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'slow: end-to-end runs of the real entry points')


#: mmengine root registries a test could register into
_ROOTS = ('MODELS', 'DATASETS', 'TRANSFORMS', 'METRICS', 'RUNNERS',
          'OPTIMIZERS', 'MODEL_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
          'HOOKS')


@pytest.fixture(autouse=True)
def isolated_scope_and_registries():
    """Each test leaves mmengine's default scope as it found it, and no
    class registered into a root registry (they would leak into the tests
    that run after it)."""
    from mmengine import registry
    scopes = list(registry.DefaultScope._instance_dict)
    roots = {name: set(getattr(registry, name).module_dict)
             for name in _ROOTS}
    yield
    for name in list(registry.DefaultScope._instance_dict):
        if name not in scopes:
            del registry.DefaultScope._instance_dict[name]
    leaked = []
    for name, before in roots.items():
        module_dict = getattr(registry, name)._module_dict
        for key in set(module_dict) - before:
            if module_dict[key].__module__.startswith('tests'):
                leaked.append(f'{name}.{key}')
                del module_dict[key]
    assert not leaked, f'the test registered {leaked} into mmengine roots'


@pytest.fixture(scope='session')
def dota_raw(tmp_path_factory):
    """Raw DOTA scenes: {'train': dir, 'val': dir, 'test': dir}."""
    return make_raw(str(tmp_path_factory.mktemp('dota_raw')))


@pytest.fixture(scope='session')
def dota_split(tmp_path_factory):
    """Split DOTA patches: root with trainval/{images,annfiles}, test/images."""
    return make_split(str(tmp_path_factory.mktemp('split_ss_dota')))


@pytest.fixture(scope='session')
def potsdam_root(tmp_path_factory):
    """Converted Potsdam: root with {img_dir,ann_dir}/{train,val}."""
    return make_potsdam(str(tmp_path_factory.mktemp('potsdam')))


@pytest.fixture(scope='session')
def potsdam_rgbir_root(tmp_path_factory):
    """Converted Potsdam RGBIR: 4-band GeoTIFF clips, same layout."""
    return make_potsdam(str(tmp_path_factory.mktemp('potsdam_rgbir')),
                        bands=4)


@pytest.fixture(scope='session')
def levir_cd_root(tmp_path_factory):
    """Converted LEVIR-CD (crop_256/, whole/) from the raw-zip fixture."""
    return make_levir_cd(str(tmp_path_factory.mktemp('levir_cd')))


@pytest.fixture(scope='session')
def cdd_root(tmp_path_factory):
    """Converted CDD from the raw-zip fixture."""
    return make_cdd(str(tmp_path_factory.mktemp('cdd')))


@pytest.fixture(scope='session')
def oscd_root(tmp_path_factory):
    """Converted OSCD (13-band GeoTIFFs) from the raw fixture."""
    return make_oscd(str(tmp_path_factory.mktemp('oscd')))


@pytest.fixture(scope='session')
def dior_r_root(tmp_path_factory):
    """DIOR-R in the release's layout (no conversion needed)."""
    return make_dior_r(str(tmp_path_factory.mktemp('dior_r')))


@pytest.fixture(scope='session')
def loveda_root(tmp_path_factory):
    """Converted LoveDA (mmseg's layout) from the raw-zip fixture."""
    return make_loveda(str(tmp_path_factory.mktemp('loveda')))


@pytest.fixture(scope='session')
def unlabeled_root(tmp_path_factory):
    """Unlabeled images in nested folders (images/) and a list file."""
    return make_unlabeled(str(tmp_path_factory.mktemp('unlabeled')))


@pytest.fixture(scope='session')
def roots(dota_split, potsdam_root, potsdam_rgbir_root, levir_cd_root,
          cdd_root, oscd_root, dior_r_root, loveda_root, unlabeled_root):
    """Data roots of the tiny configs (see tests/tiny.py)."""
    return dict(dota=dota_split, potsdam=potsdam_root,
                potsdam_rgbir=potsdam_rgbir_root, levir_cd=levir_cd_root,
                cdd=cdd_root, oscd=oscd_root, dior_r=dior_r_root,
                loveda=loveda_root, unlabeled=unlabeled_root)
