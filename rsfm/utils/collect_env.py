"""Print the versions rsfm runs with and whether mmcv's compiled ops load.

Usage::

    python -m rsfm.utils.collect_env            # report
    python -m rsfm.utils.collect_env --check    # report, exit 1 if something is missing
"""
import argparse
import importlib
import platform
import sys
from collections import OrderedDict

#: (import name, pip name, version range the rsfm version set is tested with)
PACKAGES = (
    ('torch', 'torch', '2.13.0'),
    ('torchvision', 'torchvision', '0.28.0'),
    ('mmengine', 'mmengine', '0.10.7'),
    ('mmcv', 'mmcv', '2.1.0'),
    ('mmdet', 'mmdet', '3.3.0'),
    ('mmrotate', 'mmrotate-dev', '1.0.1'),
    ('mmseg', 'mmsegmentation', '1.2.2'),
    ('mmpretrain', 'mmpretrain', '1.2.0'),
    ('numpy', 'numpy', None),
    ('cv2', 'opencv-python', None),
)

FIX = 'run `bash tools/install.sh` from the rsfm checkout (see README.md)'


def _version(module_name):
    try:
        module = importlib.import_module(module_name)
    except Exception as e:  # report any import failure, not only ImportError
        return None, f'{type(e).__name__}: {e}'
    return getattr(module, '__version__', 'unknown'), None


def mmcv_ops_status():
    """Return ``(ok, message)`` describing mmcv's compiled extension."""
    try:
        import torch
        from mmcv.ops import get_compiler_version, get_compiling_cuda_version
        from mmcv.utils import ext_loader
        ext = ext_loader.load_ext('_ext', ['nms_rotated'])
    except Exception as e:
        return False, (f'not loadable ({type(e).__name__}: {e}); mmcv must be '
                       f'built with MMCV_WITH_OPS=1 against the installed '
                       f'torch: {FIX}')
    cuda_ops = hasattr(ext, 'nms_rotated') and \
        get_compiling_cuda_version() not in ('not available', '')
    kind = f'CPU+CUDA (CUDA {get_compiling_cuda_version()})' \
        if cuda_ops else 'CPU only'
    msg = f'compiled, {kind}, compiler {get_compiler_version()}'
    if torch.cuda.is_available() and not cuda_ops:
        msg += ('; a GPU is visible but mmcv has no CUDA ops: rebuild with '
                '`FORCE_CUDA=1 RSFM_REBUILD_MMCV=1 bash tools/install.sh`')
    return True, msg


def collect_env():
    """Return an ordered dict of environment facts and a list of problems."""
    env, problems = OrderedDict(), []
    env['Python'] = sys.version.replace('\n', ' ')
    env['Platform'] = platform.platform()
    for module_name, pip_name, tested in PACKAGES:
        version, error = _version(module_name)
        if error is not None:
            env[pip_name] = f'MISSING ({error})'
            problems.append(f'{pip_name} does not import: {error}; {FIX}')
            continue
        note = '' if tested is None or version.startswith(tested) \
            else f' (rsfm is tested with {tested})'
        env[pip_name] = version + note
    try:
        import torch
        env['CUDA available'] = torch.cuda.is_available()
        if torch.cuda.is_available():
            env['GPU'] = torch.cuda.get_device_name(0)
        env['torch built with CUDA'] = torch.version.cuda
    except ImportError:
        pass
    if 'MISSING' not in str(env.get('mmcv', 'MISSING')):
        ok, msg = mmcv_ops_status()
        env['mmcv.ops'] = msg
        if not ok:
            problems.append(f'mmcv.ops {msg}')
    version, error = _version('rsfm')
    env['rsfm'] = version if error is None else f'MISSING ({error})'
    if error is None:
        for module in ('rsfm.models', 'rsfm.datasets', 'rsfm.engine'):
            try:
                importlib.import_module(module)
            except Exception as e:
                problems.append(
                    f'{module} does not import ({type(e).__name__}: {e}); '
                    f'{FIX}')
    else:
        problems.append(f'rsfm does not import: {error}; {FIX}')
    return env, problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--check', action='store_true',
        help='exit with status 1 when a package or mmcv.ops is missing')
    args = parser.parse_args(argv)
    env, problems = collect_env()
    width = max(len(k) for k in env)
    for key, value in env.items():
        sys.stdout.write(f'{key:<{width}} : {value}\n')
    for problem in problems:
        sys.stdout.write(f'PROBLEM: {problem}\n')
    if args.check and problems:
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
