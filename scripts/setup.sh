#!/usr/bin/env bash
# Installs VITA's native dependencies from Debian's packages (only those missing) and builds
# the release binary. Safe to run again.
# Usage: scripts/setup.sh [--no-build]   (--no-build: install the dependencies only)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libopenmpi-dev openmpi-bin libopenblas-dev libhdf5-dev zlib1g-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "setup: swift is not on PATH; install Swift 6 (swift.org) first" >&2; exit 1; }
[ "${1:-}" = "--no-build" ] && exit 0
echo "setup: building v1t-dist (release; a few minutes the first time)"
log=$(mktemp)
if ! swift build -c release >"$log" 2>&1; then
  cat "$log"; rm -f "$log"
  echo "setup: the build failed (output above)" >&2
  exit 1
fi
rm -f "$log"
echo "setup: ready: $(pwd)/.build/release/v1t-dist"
