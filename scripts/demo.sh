#!/usr/bin/env bash
# The whole pipeline on the built-in simulated Allen-like session, offline: installs what is
# needed, simulates a three_session_B-like recording, trains the demo preset (docs/recipe.md) data-parallel under
# mpirun on every local core, and scores it on held-out images. About 5 minutes on 2 cores, build included.
# Usage: scripts/demo.sh [extra `v1t-dist train` flags, e.g. --epochs 5]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bin=.build/release/v1t-dist
data=data/simulated.h5
run=runs/demo
ranks=$(nproc)

mkdir -p data runs
# Written afresh each time (about 2 s): a file from an earlier version's simulator would not match this one.
"$bin" simulate --out "$data" --seed 1
"$bin" inspect "$data"

echo
echo "demo: training on $ranks MPI rank(s) with the demo preset's small-data recipe (docs/recipe.md); one line per epoch"
scripts/mpirun.sh -np "$ranks" "$bin" train --data "$data" --output-dir "$run" --clear-output-dir \
  --preset demo --epochs 25 --save-plots "$@"

echo
echo "demo: held-out test images against predicting each neuron's training mean:"
"$bin" compare "$run"

echo
echo "demo: outputs in $run (config.json, best.safetensors, metrics.csv, evaluation.json, plots/)"
