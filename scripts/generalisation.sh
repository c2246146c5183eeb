#!/usr/bin/env bash
# The generalisation benchmark: trains every configuration of a rows file on the built-in simulated
# session, maps each model's receptive fields, and prints one table of held-out test-image scores
# (`v1t-dist compare`). See docs/recipe.md for the numbers and how to read them.
# Usage: scripts/generalisation.sh [rows-file]       (default scripts/generalisation-rows.txt)
# Environment: RANKS (default: every core), OUT (default runs/generalisation).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/v1t-dist
[ -x "$bin" ] || scripts/setup.sh
rows=${1:-scripts/generalisation-rows.txt}
out=${OUT:-runs/generalisation}
ranks=${RANKS:-$(nproc)}
mkdir -p data "$out"

runs=()
declare -A simulated   # each data file is written afresh once per run, never taken from an earlier version's run
while IFS='|' read -r name simulate train; do
  name=${name//[[:space:]]/}
  [[ -z "$name" || "$name" == \#* ]] && continue
  data="data/generalisation-$(echo "$simulate" | tr -cs 'A-Za-z0-9' '_' | sed 's/^_//; s/_$//').h5"
  if [ -z "${simulated[$data]:-}" ]; then
    # shellcheck disable=SC2086  # the rows hold flag lists
    "$bin" simulate --out "$data" $simulate > /dev/null < /dev/null
    simulated[$data]=1
  fi
  echo "generalisation: training $name ($train) on $data"
  start=$(date +%s)
  # shellcheck disable=SC2086  # the rows hold flag lists; mpirun would read the rows from stdin
  scripts/mpirun.sh -np "$ranks" "$bin" train --data "$data" --output-dir "$out/$name" --clear-output-dir --verbose 0 $train < /dev/null
  "$bin" receptive-fields "$out/$name" > /dev/null < /dev/null
  echo "generalisation: $name took $(( $(date +%s) - start )) s"
  runs+=("$out/$name")
done < "$rows"

echo
echo "held-out test images ($ranks rank(s)); RF error: median distance of receptive-field centres from the truth, image widths"
"$bin" compare "${runs[@]}"
