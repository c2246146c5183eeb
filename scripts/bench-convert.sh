#!/usr/bin/env bash
# Times `v1t-dist convert` on a full-size synthetic Allen session (about 5,950 trials, 200 neurons,
# 115,000 frames, 118 images of 918 x 1174) and prints wall time, CPU time and peak memory of the
# conversion alone (the synthetic file is written first, by a separate process).
# Usage: scripts/bench-convert.sh [extra convert flags, e.g. --image-size 144x256]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release 2>&1 | grep -E "error|warning: unre" || true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.build/release/v1t-dist synthetic-nwb --full-size --out "$work/501559087.nwb"
ls -l "$work/501559087.nwb" | awk '{printf "NWB file: %.0f MB\n", $5 / 1e6}'
# Drop the new file from the page cache where allowed, so the timing includes reading it from disk.
sync; (echo 1 > /proc/sys/vm/drop_caches) 2>/dev/null || echo "(page cache not dropped: file may be read from memory)"
OPENBLAS_NUM_THREADS=1 /usr/bin/time -f "convert: %e s wall, %U s user, %S s system, peak memory %M kB" \
  taskset -c 0 .build/release/v1t-dist convert "$work/501559087.nwb" --out "$work/out" "$@"
