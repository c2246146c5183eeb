#!/usr/bin/env bash
# Times `v1t-dist convert` on a full-size synthetic Allen B session (about 5,950 scene trials, 200 neurons,
# 115,000 frames, 118 images of 918 x 1174, natural_movie_one: 900 frames of 304 x 608 shown 10 times,
# converted to 900 movie trials) laid out as an AllenSDK cache (NWB file and events file),
# and prints wall time, CPU time and peak memory of the conversion alone (the synthetic files are
# written first, by a separate process), pinned to one core.
# Usage: scripts/bench-convert.sh [extra convert flags, e.g. --image-size 144x256 or --events-from-cache]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release 2>&1 | grep -E "error" || true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ophys_experiment_data" "$work/ophys_experiment_events"
nwb="$work/ophys_experiment_data/501559087.nwb"
.build/release/v1t-dist synthetic-nwb --full-size --out "$nwb" --events "$work/ophys_experiment_events/501559087_events.npz"
ls -l "$nwb" | awk '{printf "NWB file: %.0f MB\n", $5 / 1e6}'
# Drop the page cache where allowed, so the timing includes reading the file from disk.
sync; (echo 1 > /proc/sys/vm/drop_caches) 2>/dev/null || echo "(page cache not dropped: the file may be read from memory)"
/usr/bin/time -f "convert: %e s wall, %U s user, %S s system, peak memory %M kB" \
  taskset -c 0 .build/release/v1t-dist convert "$nwb" --out "$work/out" "$@"
