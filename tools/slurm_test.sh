#!/usr/bin/env bash
# tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args...]
# One task per GPU through srun (see slurm_launch.sh for GPUS etc.).
set -euo pipefail
if [ $# -lt 4 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args...]" >&2
    exit 2
fi
exec bash "$(dirname "$0")/slurm_launch.sh" test.py "$1" "$2" "$3" "$4" "${@:5}"
