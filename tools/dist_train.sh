#!/usr/bin/env bash
# tools/dist_train.sh CONFIG N [train.py args...]
# Trains with N processes: one per GPU, or N CPU processes (gloo) when no GPU
# is visible. Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG NUM_PROCESSES [train.py args...]" >&2
    exit 2
fi
exec bash "$(dirname "$0")/dist_launch.sh" train.py "$2" "$1" "${@:3}"
