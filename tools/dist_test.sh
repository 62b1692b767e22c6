#!/usr/bin/env bash
# tools/dist_test.sh CONFIG CHECKPOINT N [test.py args...]
#   metrics:          tools/dist_test.sh CONFIG CKPT 8
#   submission files: tools/dist_test.sh CONFIG CKPT 8 --format-only --out-dir DIR
# Tests with N processes: one per GPU, or N CPU processes (gloo) when no GPU
# is visible. Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT.
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 CONFIG CHECKPOINT NUM_PROCESSES [test.py args...]" >&2
    exit 2
fi
exec bash "$(dirname "$0")/dist_launch.sh" test.py "$3" "$1" "$2" "${@:4}"
