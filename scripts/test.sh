#!/usr/bin/env bash
# Installs what VITA needs, then runs every test optimised (numeric code is far too slow in debug),
# including the multi-rank tests, which start real `mpirun -np 2` and `-np 3` jobs.
# Usage: scripts/test.sh [extra swift test arguments, e.g. --filter DDPTests]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export OPENBLAS_NUM_THREADS=1
[ "$(id -u)" -eq 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
swift test -c release -Xswiftc -enable-testing --disable-swift-testing "$@"
