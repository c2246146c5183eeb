#!/usr/bin/env bash
# Side by side on the same core: the original PyTorch V1T (github.com/bryanlimy/V1T) and VITA, the same
# model configurations, one training pass (forward and backward, no optimiser step) on random inputs
# of the same shapes, timed in samples per CPU second (so other processes on the machine do not count),
# and the ratio. Nothing of the original is copied into this repository: it runs from your checkout.
#
# The original needs torch and einops; this script makes a scratch virtual environment under /tmp
# with them from PyPI (torch is a large download), or uses --venv. It imports the original's model
# code with stand-ins for what a timing run does not use (wandb, torchinfo, its TensorBoard helper) and
# with torchvision's Resize replaced, at run time and in memory only, by torch.nn.functional.interpolate
# (bilinear, no antialiasing, as the original's Resize(antialias=False)).
#
# Usage: scripts/compare-original.sh --checkout PATH [options]
#   --checkout PATH     a checkout of the original V1T (e.g. git clone https://github.com/bryanlimy/V1T /tmp/V1T)
#   --presets "demo v1t"  what to compare: demo (VITA's small core), v1t (as published), small (the original's
#                       small configuration: patch stride 2, emb 64, 2 blocks of 2 heads, MLP 128) (default demo v1t)
#   --batch B           samples per pass (default 16)
#   --passes N          timed passes, after one untimed (default 2)
#   --cpu C             the core both run on, with taskset (default 0)
#   --venv DIR          Python environment with torch and einops (default: /tmp/vita-compare-venv, made if missing)
#   --binary PATH       v1t-dist to run (default .build/release/v1t-dist)
# Example: scripts/compare-original.sh --checkout /tmp/V1T --presets demo
set -euo pipefail
cd "$(dirname "$0")/.."

checkout="" presets="demo v1t" batch=16 passes=2 cpu=0 venv=/tmp/vita-compare-venv binary=.build/release/v1t-dist
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --checkout) checkout=$2; shift 2 ;;
        --presets) presets=$2; shift 2 ;;
        --batch) batch=$2; shift 2 ;;
        --passes) passes=$2; shift 2 ;;
        --cpu) cpu=$2; shift 2 ;;
        --venv) venv=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        -h|--help) usage 0 ;;
        *) echo "compare-original.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -n "$checkout" ] && [ -f "$checkout/src/v1t/models/model.py" ] || {
    echo "compare-original.sh: --checkout must name a checkout of github.com/bryanlimy/V1T (src/v1t/models/model.py)" >&2; exit 2; }
[ -x "$binary" ] || { echo "compare-original.sh: $binary is not built: run swift build -c release (or give --binary)" >&2; exit 2; }
for preset in $presets; do
    [ "$preset" = demo ] || [ "$preset" = v1t ] || [ "$preset" = small ] || { echo "compare-original.sh: --presets takes demo, v1t and/or small, got $preset" >&2; exit 2; }
done
if [ ! -x "$venv/bin/python" ]; then
    echo "compare-original.sh: making $venv (torch, einops, numpy from PyPI)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet torch einops numpy
fi

work=$(mktemp -d /tmp/vita-compare.XXXXXX)
trap 'rm -rf "$work"' EXIT
# One pass of the original's model, as `v1t-dist bench` times VITA's: the bench's presets, one mouse of
# 174 neurons whose frames are 72 x 128, resized to the core's 36 x 64.
cat > "$work/harness.py" <<'PY'
import sys, time, types
import numpy as np
checkout, preset, batch, passes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sys.path.insert(0, checkout + "/src")
import torch
import torch.nn.functional as F
for name in ["wandb", "torchinfo", "torchvision", "torchvision.transforms", "v1t.utils.tensorboard"]:
    sys.modules[name] = types.ModuleType(name)
class Resize:
    def __init__(self, size, antialias=False): self.size = size
    def __call__(self, x): return F.interpolate(x, size=self.size, mode="bilinear", align_corners=False, antialias=False)
sys.modules["torchvision.transforms"].Resize = Resize
sys.modules["torchvision"].transforms = sys.modules["torchvision.transforms"]
sys.modules["v1t.utils.tensorboard"].Summary = object
from v1t.models.model import Model
from types import SimpleNamespace
torch.set_num_threads(1)
torch.manual_seed(1)
neurons, mouse = 174, "bench"
# The presets of `v1t-dist bench`: v1t as published; demo, VITA's small core (the original has
# full-width heads only, so its demo does more work per sample than VITA's split heads); small, the
# original's small configuration (full-width heads in both).
cores = {
    "v1t": dict(patch_size=8, patch_stride=1, emb_dim=155, num_blocks=4, num_heads=4, mlp_dim=488, behavior_mode=3, shift_mode=2),
    "demo": dict(patch_size=8, patch_stride=4, emb_dim=64, num_blocks=2, num_heads=4, mlp_dim=128, behavior_mode=0, shift_mode=0),
    "small": dict(patch_size=8, patch_stride=2, emb_dim=64, num_blocks=2, num_heads=2, mlp_dim=128, behavior_mode=0, shift_mode=0),
}
args = SimpleNamespace(
    core="vit", readout="gaussian2d", ds_name="sensorium", device=torch.device("cpu"), mouse_ids=[mouse],
    input_shape=(1, 72, 128), output_shapes={mouse: (neurons,)}, center_crop=1.0, resize_image=1,
    p_dropout=0.0229, t_dropout=0.2544, drop_path=0.0, use_lsa=False, patch_mode=0, grad_checkpointing=0,
    disable_grid_predictor=False, grid_predictor_dim=2, bias_mode=0, disable_bias=False,
    core_reg_scale=0.5379, readout_reg_scale=0.0076, shifter_reg_scale=0.0, cropper_reg_scale=0.0,
    pretrain_core="", trainable_params=0, micro_batch_size=batch, output_dir="/tmp", verbose=0, **cores[preset])
rng = np.random.default_rng(174)
dataset = SimpleNamespace(coordinates=rng.uniform(0, 400, size=(neurons, 3)).astype(np.float32),
                          response_stats={"mean": np.ones(neurons, np.float32), "std": np.ones(neurons, np.float32)})
model = Model(args, ds={mouse: SimpleNamespace(dataset=dataset)})
model.train()
images = torch.rand(batch, 1, 72, 128) * 255
behaviors, pupils = torch.randn(batch, 3), torch.randn(batch, 2)
cpu = []
for p in range(passes + 1):
    start = time.process_time()
    y = model(images, mouse_id=mouse, behaviors=behaviors, pupil_centers=pupils)
    y[0].sum().backward() if isinstance(y, tuple) else y.sum().backward()
    if p > 0: cpu.append(time.process_time() - start)
print(f"pytorch {preset} batch {batch}: {batch * passes / sum(cpu):.3f} samples per CPU second "
      f"({sum(p.numel() for p in model.parameters()):,} parameters, torch {torch.__version__})")
PY

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), core $cpu; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %22s %22s %8s\n' preset "PyTorch samples/CPU s" "VITA samples/CPU s" ratio
for preset in $presets; do
    original=$(OMP_NUM_THREADS=1 taskset -c "$cpu" "$venv/bin/python" "$work/harness.py" "$checkout" "$preset" "$batch" "$passes" | tail -1)
    OPENBLAS_NUM_THREADS=1 taskset -c "$cpu" "$binary" bench --preset "$preset" --batch "$batch" --passes "$passes" \
        --json "$work/$preset.json" > "$work/$preset.txt"
    read -r torch_rate vita_rate < <("$venv/bin/python" -c '
import json, sys
vita = json.load(open(sys.argv[1]))["models"][0]["samplesPerCPUSecond"]
print(sys.argv[2].split(" samples per CPU second")[0].split()[-1], vita)' "$work/$preset.json" "$original")
    printf '%-6s %22.3f %22.3f %7.2fx\n' "$preset" "$torch_rate" "$vita_rate" "$(echo "$vita_rate / $torch_rate" | bc -l)"
    echo "       ($original; VITA: $(grep -m1 'OpenBLAS kernel' "$work/$preset.txt"))"
done
