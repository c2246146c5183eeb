#!/usr/bin/env bash
# mpirun with the settings VITA wants on one node: one OpenBLAS thread per rank (two single-threaded
# ranks beat one two-threaded rank), root allowed (containers, CI), more ranks than cores allowed.
# Usage: scripts/mpirun.sh -np N COMMAND...   (extra mpirun flags may precede COMMAND)
set -euo pipefail
flags=(--oversubscribe -x OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}")
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
exec mpirun "${flags[@]}" "$@"
