#!/usr/bin/env bash
# Tests the release bundle as a bare cluster node would see it: builds it (fast xz), unpacks it under
# an unrelated path and, in a private mount namespace where this machine's Swift runtime, Open MPI,
# PMIx, OpenBLAS and HDF5 are hidden (empty directories and files mounted over them, visible to this
# namespace only), with a clean environment, sources env.sh, simulates a small session and trains on
# it with `mpirun -np 2`. Needs root (or unprivileged user namespaces) for `unshare -m`; scripts/test.sh
# runs it.
# Usage: scripts/test-bundle.sh [--binary PATH]   (default .build/release/v1t-dist)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=.build/release/v1t-dist
[ "${1:-}" = --binary ] && binary=$2

work=$(mktemp -d /tmp/vita-bundle-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
scripts/bundle.sh --binary "$binary" --out "$work" --version test --xz-level 0
mkdir -p "$work/some where/else"
tar -C "$work/some where/else" -xJf "$work/vita-test-linux-x86_64.tar.xz"
home="$work/some where/else/vita-test-linux-x86_64"

# What a user of the bundle does, with nothing but PATH=/usr/bin:/bin set.
cat > "$work/use-bundle.sh" <<'END'
set -euo pipefail
. "$1/env.sh"
[ "$(command -v mpirun)" = "$VITA_HOME/bin/mpirun" ] || { echo "mpirun is not the bundle's" >&2; exit 1; }
outside=$(ldd "$VITA_HOME/bin/v1t-dist" "$VITA_HOME/bin/orterun" | sed -n 's|.*=> \(/.*\) (0x.*|\1|p' | grep -v "^$VITA_HOME/lib/" \
          | grep -vE '/(libc|libm|libpthread|libdl|librt|libresolv)\.so' || true)
[ -z "$outside" ] || { echo "loaded from outside the bundle: $outside" >&2; exit 1; }
v1t-dist simulate --out session.h5 --neurons 8 --images 10 --repeats 4 --seed 3
mpirun -np 2 v1t-dist train --data session.h5 --output-dir run --epochs 1 --batch-size 8 --preset demo --core vit \
    --patch-stride 8 --emb-dim 16 --num-blocks 1 --num-heads 2 --mlp-dim 32 --verbose 2
[ -f run/best.safetensors ] && [ -f run/evaluation.json ] || { echo "the run left no parameters or evaluation" >&2; exit 1; }
END

# Run by unshare: hides this machine's copies, then uses the bundle. It refuses to mount anything
# unless its mount namespace differs from this script's ($3), so the rest of the machine never sees
# the hiding.
cat > "$work/hide-and-use.sh" <<'END'
set -euo pipefail
if [ "$(readlink /proc/self/ns/mnt)" = "$3" ]; then
    echo "test-bundle.sh: not in a private mount namespace; refusing to hide system libraries" >&2
    exit 1
fi
mount --make-rprivate /
empty_dir=$(mktemp -d) empty_file=$(mktemp)
hide() {
    for path in "$@"; do
        [ -e "$path" ] || continue
        path=$(readlink -f "$path")
        if [ -d "$path" ]; then mount --bind "$empty_dir" "$path"; else mount --bind "$empty_file" "$path"; fi
    done
}
swift=$(command -v swift || true)
if [ -n "$swift" ]; then hide "$(dirname "$(readlink -f "$swift")")/../lib/swift"; fi
hide /usr/lib/x86_64-linux-gnu/openmpi /usr/lib/x86_64-linux-gnu/pmix2 /usr/share/openmpi /etc/openmpi \
    /usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/mpirun /usr/bin/orterun /usr/bin/orted \
    /usr/lib/x86_64-linux-gnu/lib{openblas,hdf5,mpi,open-rte,open-pal,hwloc,pmix,gfortran,sz,aec,event,swift}*.so*
cd "$1"
env -i HOME="$1" PATH=/usr/bin:/bin bash "$1/use-bundle.sh" "$2"
END

if [ "$(id -u)" -eq 0 ]; then namespace=(unshare --mount); else namespace=(unshare --map-root-user --mount); fi
"${namespace[@]}" bash "$work/hide-and-use.sh" "$work" "$home" "$(readlink /proc/$$/ns/mnt)"
echo "test-bundle.sh: the bundle trained with mpirun -np 2, with the system's copies hidden"
