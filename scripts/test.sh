#!/usr/bin/env bash
# Installs what VITA needs, then runs every test optimised (numeric code is far too slow in debug),
# including the multi-rank tests, which start real `mpirun -np 2` and `-np 3` jobs, and the release
# bundle in a mount namespace where the system's libraries are hidden (scripts/test-bundle.sh).
# Usage: scripts/test.sh [extra swift test arguments, e.g. --filter DDPTests]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --no-build
export OPENBLAS_NUM_THREADS=1
[ "$(id -u)" -eq 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# One optimised build serves the tests and the binaries they start (v1t-dist, ddp-harness).
echo "test: building (release, with testing enabled)"
swift build -c release -Xswiftc -enable-testing --build-tests
swift test -c release -Xswiftc -enable-testing --disable-swift-testing --skip-build "$@"
# The whole suite (no filter given) also tests the relocatable release bundle (about half a minute).
if [ $# -eq 0 ]; then scripts/test-bundle.sh; fi
