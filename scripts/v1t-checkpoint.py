"""Moves weights between the original V1T's checkpoint and safetensors, the format VITA reads and writes.

    # V1T's checkpoint (train.py writes OUTPUT_DIR/ckpt/model_state.pt) -> safetensors for VITA
    python scripts/v1t-checkpoint.py to-safetensors OUTPUT_DIR/ckpt/model_state.pt v1t.safetensors
    v1t-dist import-v1t-weights v1t.safetensors --data ... --output-dir runs/from-v1t [--core-only]

    # VITA -> V1T: a directory V1T's --pretrain_core and Scheduler.restore read (DIR/ckpt/model_state.pt)
    v1t-dist export-v1t-weights runs/demo --out demo-v1t.safetensors
    python scripts/v1t-checkpoint.py to-checkpoint demo-v1t.safetensors V1T_OUTPUT_DIR

Needs torch and safetensors (pip install torch safetensors); never part of VITA's pipeline.
"""
import os
import sys

import torch
from safetensors.torch import load_file, save_file


def to_safetensors(checkpoint, destination):
    saved = torch.load(checkpoint, map_location="cpu")
    state = saved["model"] if isinstance(saved, dict) and "model" in saved else saved
    # VITA reads float32; V1T's buffers and parameters are float32 unless trained with --amp.
    tensors = {name: value.detach().to(torch.float32).contiguous() for name, value in state.items()}
    save_file(tensors, destination, metadata={"source": os.path.abspath(checkpoint)})
    print(f"{len(tensors)} tensors -> {destination}")


def to_checkpoint(safetensors_file, output_dir):
    state = load_file(safetensors_file)
    os.makedirs(os.path.join(output_dir, "ckpt"), exist_ok=True)
    destination = os.path.join(output_dir, "ckpt", "model_state.pt")
    # The keys V1T's Scheduler.save_checkpoint writes; "value" is the validation correlation it reports.
    torch.save({"epoch": 0, "value": 0.0, "model": state}, destination)
    print(f"{len(state)} tensors -> {destination}")


if __name__ == "__main__":
    commands = {"to-safetensors": to_safetensors, "to-checkpoint": to_checkpoint}
    if len(sys.argv) != 4 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2], sys.argv[3])
