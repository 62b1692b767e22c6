#!/usr/bin/env bash
# Install rsfm and its OpenMMLab stack into the active Python environment.
#
#   bash tools/install.sh            # CPU or CUDA machine; CUDA ops are built when a GPU is visible
#
# Environment overrides:
#   TORCH_SPEC / TORCHVISION_SPEC  pip requirement strings (default torch===2.13.0, torchvision===0.28.0)
#   MMCV_VERSION                   default 2.1.0 (the newest mmcv that mmrotate accepts)
#   FORCE_CUDA=1                   build mmcv's CUDA ops even without a visible GPU (needs nvcc)
#   RSFM_REBUILD_MMCV=1            rebuild mmcv even when a working build is already installed
#
# Each step is idempotent: a re-run checks what is installed and only repairs what is missing.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

PY=${PYTHON:-python}
TORCH_SPEC=${TORCH_SPEC:-torch===2.13.0}
TORCHVISION_SPEC=${TORCHVISION_SPEC:-torchvision===0.28.0}
MMCV_VERSION=${MMCV_VERSION:-2.1.0}
pip_install() { "$PY" -m pip install --progress-bar off "$@"; }
step() { printf '\n[rsfm install] %s\n' "$*"; }

t0=$(date +%s)
step "python: $("$PY" -c 'import sys; print(sys.executable, sys.version.split()[0])')"

# 1. torch + torchvision. '===' is an exact (arbitrary-equality) pin: it does not match a local
#    CPU-only build such as 2.13.0+cpu, whose missing torchvision ops break `import torchvision`.
step "1/4 torch and torchvision ($TORCH_SPEC, $TORCHVISION_SPEC)"
pip_install "$TORCH_SPEC" "$TORCHVISION_SPEC"
"$PY" -c 'import torch, torchvision.ops; print("torch", torch.__version__, "torchvision", torchvision.__version__)'

# 2. mmcv with compiled ops, built against the torch installed above.
step "2/4 mmcv==$MMCV_VERSION with compiled ops"
mmcv_ok() {
    "$PY" - "$MMCV_VERSION" <<'EOF'
import sys
import mmcv
assert mmcv.__version__ == sys.argv[1], mmcv.__version__
from mmcv.ops import nms_rotated  # noqa: F401  (loads the compiled extension)
EOF
}
if [ "${RSFM_REBUILD_MMCV:-0}" != 1 ] && mmcv_ok 2>/dev/null; then
    echo "mmcv $MMCV_VERSION with compiled ops is already installed and loads against this torch"
else
    pip_install -r requirements/build.txt
    # mmcv's setup.py imports torch, so build without isolation. The first try may reuse pip's
    # cached wheel; a wheel cached for another torch fails to load, then rebuild from source.
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} pip_install --no-build-isolation "mmcv==$MMCV_VERSION"
    if ! mmcv_ok; then
        echo "the installed mmcv does not load against this torch: rebuilding without pip's cache"
        MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} pip_install --no-build-isolation \
            --no-cache-dir --force-reinstall --no-deps "mmcv==$MMCV_VERSION"
        mmcv_ok
    fi
fi

# 3. the OpenMMLab host libraries, rsfm itself and the test requirements.
step "3/4 mmengine, mmdet, mmrotate, mmsegmentation, mmpretrain, rsfm"
pip_install -r requirements/runtime.txt -r requirements/tests.txt
pip_install --no-build-isolation --no-deps -e .

# 4. check that everything imports together.
step "4/4 environment check"
"$PY" -m rsfm.utils.collect_env --check
echo "[rsfm install] done in $(( $(date +%s) - t0 )) s"
