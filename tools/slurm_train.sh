#!/usr/bin/env bash
# tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [train.py args...]
# One task per GPU through srun (see slurm_launch.sh for GPUS etc.).
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG [WORK_DIR] [train.py args...]" >&2
    exit 2
fi
ARGS=("$3")
if [ -n "${4:-}" ]; then ARGS+=(--work-dir "$4"); fi
exec bash "$(dirname "$0")/slurm_launch.sh" train.py "$1" "$2" "${ARGS[@]}" "${@:5}"
