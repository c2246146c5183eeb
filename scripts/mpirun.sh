#!/usr/bin/env bash
# mpirun with the settings VITA wants on one node: one OpenBLAS thread per rank (two single-threaded
# ranks beat one two-threaded rank), root allowed (containers, CI), more ranks than cores allowed.
# A user's OPENBLAS_CORETYPE reaches every rank, on every node (v1t-dist itself picks the right OpenBLAS
# kernel when it is unset: docs/performance.md).
# Usage: scripts/mpirun.sh -np N COMMAND...   (extra mpirun flags may precede COMMAND)
set -euo pipefail
flags=(--oversubscribe -x OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}")
[ -n "${OPENBLAS_CORETYPE:-}" ] && flags+=(-x OPENBLAS_CORETYPE)
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
exec mpirun "${flags[@]}" "$@"
