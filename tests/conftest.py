"""Shared fixtures: tiny datasets written by the seeded generators."""
import os.path as osp
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from tests.data.dota.data import make_raw, make_split  # noqa: E402
from tests.data.potsdam.data import make_potsdam  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'slow: end-to-end runs of the real entry points')


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
