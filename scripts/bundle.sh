#!/usr/bin/env bash
# Writes a relocatable release bundle, vita-VERSION-linux-x86_64.tar.xz: v1t-dist with everything it
# runs on that a cluster node may lack (the Swift runtime, Open MPI with its components and help files,
# PMIx, OpenBLAS, HDF5 and their libraries; only glibc comes from the node), and env.sh. Unpacked
# anywhere:
#     . vita-VERSION-linux-x86_64/env.sh
#     mpirun -np 4 v1t-dist train --data session.h5 --output-dir run
# Build it on the oldest system you target: the newest glibc symbol it needs is checked against
# --glibc-ceiling (Debian 12: 2.36). docs/distributed.md ("A bundle for clusters") explains the layout.
#
# Usage: scripts/bundle.sh [options]
#   --out DIR            where the .tar.xz goes (default: the current directory)
#   --binary PATH        v1t-dist to bundle (default .build/release/v1t-dist)
#   --version TEXT       version in the name (default: git describe)
#   --xz-level N         xz compression level, 0 (fast) to 9 (small) (default 6)
#   --glibc-ceiling X.Y  refuse a bundle needing a newer glibc (default 2.36)
set -euo pipefail
cd "$(dirname "$0")/.."

out=. binary=.build/release/v1t-dist version="" level=6 ceiling=2.36
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        --version) version=$2; shift 2 ;;
        --xz-level) level=$2; shift 2 ;;
        --glibc-ceiling) ceiling=$2; shift 2 ;;
        -h|--help) usage 0 ;;
        *) echo "bundle.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -x "$binary" ] || { echo "bundle.sh: $binary is not built: run swift build -c release (or give --binary)" >&2; exit 2; }
[[ "$level" =~ ^[0-9]$ ]] || { echo "bundle.sh: --xz-level takes 0 to 9, got $level" >&2; exit 2; }
: "${version:=$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"

# Debian 12's locations (dpkg -L openmpi-bin libopenmpi3 libpmix2).
multiarch=/usr/lib/x86_64-linux-gnu
ompi_components=$multiarch/openmpi/lib/openmpi3
ompi_help=/usr/share/openmpi
ompi_etc=/etc/openmpi
pmix_root=$multiarch/pmix2
for path in "$ompi_components" "$ompi_help" "$ompi_etc" "$pmix_root/lib/pmix" "$pmix_root/share/pmix"; do
    [ -e "$path" ] || { echo "bundle.sh: $path is missing: install openmpi-bin and libopenmpi-dev (scripts/setup.sh)" >&2; exit 2; }
done

name=vita-$version-linux-x86_64
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/$name
mkdir -p "$root"/{bin,lib/openmpi3,lib/pmix,share/openmpi,share/pmix,etc/openmpi,etc/pmix}

cp "$binary" "$root/bin/v1t-dist"
cp "$(readlink -f "$(command -v orterun)")" "$root/bin/orterun"
cp "$(readlink -f "$(command -v orted)")" "$root/bin/orted"
ln -s orterun "$root/bin/mpirun"
ln -s orterun "$root/bin/mpiexec"
cp "$ompi_components"/*.so "$root/lib/openmpi3/"
cp -r "$ompi_help"/. "$root/share/openmpi/"
cp -r "$ompi_etc"/. "$root/etc/openmpi/"
cp "$pmix_root"/lib/pmix/*.so "$root/lib/pmix/"
cp -r "$pmix_root"/share/pmix/. "$root/share/pmix/"
# Debian's PMIx settings name its component directory; without that line PMIx searches PMIX_PKGLIBDIR.
if [ -f "$pmix_root/share/pmix-mca-params.conf" ]; then
    grep -v '^mca_base_component_path' "$pmix_root/share/pmix-mca-params.conf" > "$root/etc/pmix/pmix-mca-params.conf"
fi
cp -L "$pmix_root"/lib/libpmix.so.2 "$root/lib/"

# Every shared library these need, except glibc's own (the node's glibc must be new enough: checked
# below). Copies of the real files under their soname.
glibc='^(linux-vdso|ld-linux-x86-64|libc|libm|libpthread|libdl|librt|libresolv|libutil|libanl|libnsl|libmvec)\.so'
mapfile -t objects < <(find "$root/bin" "$root/lib" -type f \( -name '*.so*' -o -perm -u+x \))
missing=$(ldd "${objects[@]}" 2>/dev/null | grep 'not found' | sort -u || true)
[ -z "$missing" ] || { echo "bundle.sh: libraries not found on this machine:"$'\n'"$missing" >&2; exit 1; }
ldd "${objects[@]}" 2>/dev/null | awk '/=> \//{print $1, $3}' | sort -u | while read -r soname path; do
    [[ "$soname" =~ $glibc ]] && continue
    [ -e "$root/lib/$soname" ] || cp -L "$path" "$root/lib/$soname"
done

# The newest glibc symbol version any file needs.
# (objdump fails on the files that are not ELF: help texts, settings.)
newest=$({ find "$root" -type f -exec objdump -T {} + 2>/dev/null || true; } | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
if [ "$(printf '%s\n%s\n' "$newest" "$ceiling" | sort -V | tail -1)" != "$ceiling" ]; then
    echo "bundle.sh: the bundle needs glibc $newest, newer than the ceiling $ceiling: build on an older system" >&2
    exit 1
fi

cat > "$root/env.sh" <<'EOF'
# Source me (bash or zsh): `. /path/to/vita-.../env.sh`. Puts the bundle's v1t-dist and mpirun first on
# PATH, its libraries first for the loader, and tells Open MPI and PMIx where their components, help
# files and settings are now (they look where Debian installed them otherwise).
VITA_HOME=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
export VITA_HOME
export PATH="$VITA_HOME/bin${PATH:+:$PATH}"
export LD_LIBRARY_PATH="$VITA_HOME/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export OPAL_PREFIX="$VITA_HOME" OPAL_EXEC_PREFIX="$VITA_HOME" OPAL_BINDIR="$VITA_HOME/bin" OPAL_LIBDIR="$VITA_HOME/lib" \
    OPAL_LIBEXECDIR="$VITA_HOME/bin" OPAL_PKGLIBDIR="$VITA_HOME/lib/openmpi3" OPAL_DATAROOTDIR="$VITA_HOME/share" \
    OPAL_DATADIR="$VITA_HOME/share" OPAL_PKGDATADIR="$VITA_HOME/share/openmpi" OPAL_SYSCONFDIR="$VITA_HOME/etc/openmpi"
export PMIX_PREFIX="$VITA_HOME" PMIX_EXEC_PREFIX="$VITA_HOME" PMIX_BINDIR="$VITA_HOME/bin" PMIX_LIBDIR="$VITA_HOME/lib" \
    PMIX_LIBEXECDIR="$VITA_HOME/bin" PMIX_PKGLIBDIR="$VITA_HOME/lib/pmix" PMIX_DATAROOTDIR="$VITA_HOME/share" \
    PMIX_DATADIR="$VITA_HOME/share" PMIX_PKGDATADIR="$VITA_HOME/share/pmix" PMIX_SYSCONFDIR="$VITA_HOME/etc/pmix"
# One OpenBLAS thread per rank; ranks as root allowed (containers), more ranks than cores allowed.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" OMPI_MCA_rmaps_base_oversubscribe=1
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
EOF
cat > "$root/README.txt" <<EOF
VITA $version for x86-64 Linux with glibc $ceiling or newer (this bundle needs $newest).
    . $name/env.sh
    v1t-dist simulate --out session.h5
    mpirun -np 2 v1t-dist train --data session.h5 --output-dir run
Everything v1t-dist and mpirun load is in lib/ (except glibc); Open MPI's components in lib/openmpi3,
its help files in share/openmpi. Built $(date -u +%Y-%m-%d) on $(. /etc/os-release && echo "$PRETTY_NAME").
EOF

mkdir -p "$out"
archive=$(cd "$out" && pwd)/$name.tar.xz
tar -C "$work" -cf - "$name" | xz -T0 "-$level" > "$archive.partial"
mv "$archive.partial" "$archive"
echo "bundle.sh: wrote $archive ($(du -h "$archive" | cut -f1); $(du -sh "$root" | cut -f1) unpacked; newest glibc symbol $newest)"
