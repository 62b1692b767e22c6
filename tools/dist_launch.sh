#!/usr/bin/env bash
# tools/dist_launch.sh SCRIPT NUM_PROCESSES [SCRIPT args...]
# What dist_train.sh and dist_test.sh run: torchrun with one process per GPU,
# or NUM_PROCESSES CPU processes (gloo, see rsfm.Runner) when no GPU is
# visible. Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT.
# torchrun replaces this shell (exec), so killing the launcher's PID stops
# torchrun, and the workers end with it (they ask the kernel for a signal
# when their parent dies, see rsfm/utils/entry_point.py).
set -euo pipefail
SCRIPT=$1
NPROC=$2
if ! [[ "$NPROC" =~ ^[1-9][0-9]*$ ]]; then
    echo "$(basename "$0"): NUM_PROCESSES must be a positive integer (processes per node), got '$NPROC'" >&2
    exit 2
fi
TOOLS=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}"
exec "${PYTHON:-python}" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" \
    --master_port="${PORT:-29500}" \
    "$TOOLS/$SCRIPT" --launcher pytorch "${@:3}"
