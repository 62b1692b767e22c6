"""Install rsfm. The OpenMMLab stack is installed by ``tools/install.sh``
(mmcv must be built against the installed torch), see README.md."""
import os.path as osp

from setuptools import find_packages, setup


def read_requirements(name):
    path = osp.join(osp.dirname(__file__), 'requirements', name)
    with open(path) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


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
    install_requires=read_requirements('runtime.txt'),
    extras_require=dict(
        tests=read_requirements('tests.txt'),
        optional=read_requirements('optional.txt')),
    zip_safe=False,
)
