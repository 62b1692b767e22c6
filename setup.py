"""Install rsfm. The OpenMMLab stack is installed by ``tools/install.sh``
(mmcv must be built against the installed torch), see README.md."""
import os.path as osp

from setuptools import find_packages, setup


def read_requirements(name):
    """Requirement lines of ``requirements/name``, following ``-r`` lines."""
    path = osp.join(osp.dirname(__file__), 'requirements', name)
    with open(path) as f:
        lines = [line.split('#')[0].strip() for line in f]
    out = []
    for line in filter(None, lines):
        out += read_requirements(line[3:].strip()) \
            if line.startswith('-r ') else [line]
    return out


def read_version():
    scope = {}
    with open(osp.join(osp.dirname(__file__), 'rsfm', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='rsfm',
    version=read_version(),
    description='Remote sensing foundation models for OpenMMLab',
    long_description=open('README.md').read() if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    python_requires='>=3.9',
    # the core imports no host library; each host is an extra
    # (``pip install rsfm[rotated,seg]``); tools/install.sh installs all.
    install_requires=read_requirements('core.txt'),
    extras_require=dict(
        rotated=read_requirements('rotated.txt'),
        seg=read_requirements('seg.txt'),
        pretrain=read_requirements('pretrain.txt'),
        all=read_requirements('runtime.txt'),
        tests=read_requirements('tests.txt'),
        optional=read_requirements('optional.txt')),
    zip_safe=False,
)
