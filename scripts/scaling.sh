#!/usr/bin/env bash
# Strong and weak scaling of `v1t-dist train` over MPI ranks, and a projection to more ranks.
#
# For each rank count it trains the same model on the same data: strong scaling with the same global
# batch (--batch-size), weak scaling with the same batch per rank (--per-rank-batch). It then times
# allreduce sums on the largest rank count (`v1t-dist scaling allreduce`) and writes scaling.csv,
# scaling.md and scaling.svg into --out (`v1t-dist scaling report`), with the load average of the
# machine before each run. docs/scaling.md explains the figures and the model.
#
# Usage: scripts/scaling.sh [options] [-- extra train flags]
#   --preset demo|v1t      model size (default demo)
#   --ranks "1 2 4"        rank counts (default "1 2")
#   --modes "strong weak"  which experiments (default both)
#   --batch-size B         global batch of the strong runs (default 16)
#   --per-rank-batch b     batch per rank of the weak runs (default 8)
#   --limit-data N         training trials per epoch (default: demo 1200, v1t 16: one step)
#   --epochs E             epochs per run; with 2 or more the first is left out as warm-up
#                          (default: demo 6, v1t 4)
#   --data FILE            training set (default: a simulated session with one image per held-out
#                          tier, written once into --out, so validation costs little time)
#   --hostfile FILE        mpirun hostfile, for ranks on several nodes
#   --mpirun-flags "..."   more mpirun flags
#   --no-bind              leave the ranks unbound (default: one core each when they fit; unbound ranks
#                          can dodge other processes on a shared machine, bound ones keep their caches)
#   --out DIR              output folder (default runs/scaling-PRESET)
#   --binary PATH          v1t-dist to run (default .build/release/v1t-dist)
#   --project "1 2 4 ..."  rank counts of the projection (default up to 128)
#   --allreduce-max-bytes SIZE  largest allreduce timed (default 64M)
#   --latency US, --bandwidth BYTES   project with a network's figures instead of the measured ones
# Example: scripts/scaling.sh --preset v1t --modes strong --out runs/scaling-v1t
set -euo pipefail
cd "$(dirname "$0")/.."

preset=demo ranks="1 2" modes="strong weak" batch=16 per_rank=8 limit="" epochs="" data="" hostfile=""
mpirun_extra="" out="" binary=.build/release/v1t-dist project="" latency="" bandwidth="" max_bytes=64M bind=core
train_extra=()
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --preset) preset=$2; shift 2 ;;
        --ranks) ranks=$2; shift 2 ;;
        --modes) modes=$2; shift 2 ;;
        --batch-size) batch=$2; shift 2 ;;
        --per-rank-batch) per_rank=$2; shift 2 ;;
        --limit-data) limit=$2; shift 2 ;;
        --epochs) epochs=$2; shift 2 ;;
        --data) data=$2; shift 2 ;;
        --hostfile) hostfile=$2; shift 2 ;;
        --mpirun-flags) mpirun_extra=$2; shift 2 ;;
        --no-bind) bind=none; shift ;;
        --out) out=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        --project) project=$2; shift 2 ;;
        --latency) latency=$2; shift 2 ;;
        --bandwidth) bandwidth=$2; shift 2 ;;
        --allreduce-max-bytes) max_bytes=$2; shift 2 ;;
        --) shift; train_extra=("$@"); break ;;
        -h|--help) usage 0 ;;
        *) echo "scaling.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

case "$preset" in
    demo) : "${limit:=1200}" "${epochs:=6}"; repeats=20 ;;
    v1t) : "${limit:=16}" "${epochs:=4}"; repeats=4 ;;
    *) echo "scaling.sh: --preset takes demo or v1t, got $preset" >&2; exit 2 ;;
esac
for mode in $modes; do
    [ "$mode" = strong ] || [ "$mode" = weak ] || { echo "scaling.sh: --modes takes strong and/or weak, got $mode" >&2; exit 2; }
done
for n in $ranks; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "scaling.sh: --ranks takes positive whole numbers, got $n" >&2; exit 2; }
done
[ -x "$binary" ] || { echo "scaling.sh: $binary is not built: run swift build -c release (or give --binary)" >&2; exit 2; }
command -v mpirun >/dev/null || { echo "scaling.sh: mpirun is not installed: run scripts/setup.sh" >&2; exit 2; }
: "${out:=runs/scaling-$preset}"
mkdir -p "$out"

if [ -z "$data" ]; then
    # 118 images, one held out for validation and one for test: 20 repeats give demo 2,340 training
    # trials and 20 held-out ones; 4 give v1t 468 and 4 (0.5 s each to predict on one core).
    data=$out/session.h5
    [ -f "$data" ] || "$binary" simulate --out "$data" --seed 7 --repeats "$repeats" --validation-fraction 0.01 --test-fraction 0.01
fi

cores=$(nproc)
# One OpenBLAS thread per rank; on one node one rank per core, bound to it (docs/distributed.md).
mpirun_flags() {
    local n=$1
    local flags=(-np "$n" -x OPENBLAS_NUM_THREADS=1)
    [ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
    [ -n "$hostfile" ] && flags+=(--hostfile "$hostfile")
    if [ -z "$hostfile" ] && [ "$n" -gt "$cores" ]; then
        flags+=(--oversubscribe)  # binding more ranks than cores is refused
    elif [ "$bind" = core ]; then
        flags+=(--map-by core --bind-to core)
    else
        flags+=(--bind-to none)
    fi
    # shellcheck disable=SC2206  # the extra flags are meant to split on spaces
    [ -n "$mpirun_extra" ] && flags+=($mpirun_extra)
    printf '%s\n' "${flags[@]}"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
note="Machine: $(hostname), $cores cores, $(date -u '+%Y-%m-%d %H:%M UTC'). Preset $preset, $limit training trials per epoch, $epochs epoch(s), data $data, ranks bound: $bind."
strong_runs=() weak_runs=()
for mode in $modes; do
    for n in $ranks; do
        run=$out/$mode-$n
        if [ "$mode" = strong ]; then b=$batch; else b=$((per_rank * n)); fi
        mapfile -t flags < <(mpirun_flags "$n")
        command=(mpirun "${flags[@]}" "$binary" train --data "$data" --output-dir "$run" --clear-output-dir
                 --preset "$preset" --core vit --epochs "$epochs" --batch-size "$b" --limit-data "$limit" "${train_extra[@]}")
        before="$(load) at $(date -u +%H:%M) UTC"
        echo "== $mode scaling, $n rank(s), global batch $b (load average $before)"
        "${command[@]}"
        note+=$'\n'"- $mode, $n rank(s): load average $before before the run; \`${command[*]}\`"
        if [ "$mode" = strong ]; then strong_runs+=("$run"); else weak_runs+=("$run"); fi
    done
done

largest=2
for n in $ranks; do [ "$n" -gt "$largest" ] && largest=$n; done
mapfile -t flags < <(mpirun_flags "$largest")
echo "== allreduce timings on $largest ranks"
allreduce=(mpirun "${flags[@]}" "$binary" scaling allreduce --out "$out/allreduce.csv" --max-bytes "$max_bytes")
"${allreduce[@]}"
note+=$'\n'"- allreduce timings: \`${allreduce[*]}\`"

report=("$binary" scaling report --out "$out" --allreduce "$out/allreduce.csv" --title "Scaling of the $preset preset" --note "$note")
[ ${#strong_runs[@]} -gt 0 ] && report+=(--strong "${strong_runs[@]}")
[ ${#weak_runs[@]} -gt 0 ] && report+=(--weak "${weak_runs[@]}")
# shellcheck disable=SC2206  # a list of rank counts
[ -n "$project" ] && report+=(--project $project)
[ -n "$latency" ] && report+=(--latency "$latency")
[ -n "$bandwidth" ] && report+=(--bandwidth "$bandwidth")
"${report[@]}"
