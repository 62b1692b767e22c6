#!/usr/bin/env bash
# tools/dist_launch.sh SCRIPT NUM_PROCESSES [SCRIPT args...]
# What dist_train.sh and dist_test.sh run: torchrun with one process per GPU,
# or NUM_PROCESSES CPU processes (gloo, see rsfm.Runner) when no GPU is
# visible. Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT.
set -euo pipefail
SCRIPT=$1
NPROC=$2
TOOLS=$(cd "$(dirname "$0")" && pwd)
PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}" \
"${PYTHON:-python}" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" \
    --master_port="${PORT:-29500}" \
    "$TOOLS/$SCRIPT" --launcher pytorch "${@:3}"
