"""Generates Tests/V1TModelTests/Fixtures/v1t-parity.safetensors with the ORIGINAL V1T PyTorch code: a small
V1T configuration's weights (under V1T's own state_dict names), inputs, and the original model's outputs,
loss and gradients. `V1TParityTests` loads it and checks VITA's forward and backward against it, in the
spirit of llm.c's test against PyTorch. Run by hand once; the test suite never runs Python.

The original code is read from a local copy (never committed here):

    git -C /work/.mirror/bryanlimy+V1T/repo archive HEAD src/v1t | tar -x -C /tmp/v1t-src
    python3 -m venv /tmp/v1t-venv && /tmp/v1t-venv/bin/pip install torch einops safetensors numpy
    /tmp/v1t-venv/bin/python scripts/make-v1t-parity-fixture.py /tmp/v1t-src/src Tests/V1TModelTests/Fixtures/v1t-parity.safetensors

torchvision, torchinfo and V1T's TensorBoard helper are stubbed out: the model needs only torchvision's
Resize, replaced by F.interpolate (bilinear, no antialias), which is what Resize(antialias=False) does on
tensors. The configuration: 36x64 images, patches 6 with stride 3 (an 11x20 grid that V1T's find_shape
arranges the same way), width 12, 2 heads of full width, 2 blocks, MLP 16, behaviour mode 3, shift mode 2,
one mouse of 10 neurons, a batch of 3, in evaluation mode (no dropout, readout at the mean positions).
"""
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file


def stub_modules():
    transforms = types.SimpleNamespace(
        Resize=lambda size, antialias=False: (
            lambda x: F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=antialias)))
    sys.modules["torchvision"] = types.SimpleNamespace(transforms=transforms)
    sys.modules["torchinfo"] = types.ModuleType("torchinfo")
    tensorboard = types.ModuleType("v1t.utils.tensorboard")
    tensorboard.Summary = object
    sys.modules["v1t.utils.tensorboard"] = tensorboard


def main(source, destination):
    sys.path.insert(0, source)
    stub_modules()
    from v1t.models.model import Model
    from v1t.losses import PoissonLoss

    torch.manual_seed(20240611)
    rng = np.random.default_rng(20240611)
    neurons, batch, mouse = 10, 3, "M0"
    coordinates = rng.uniform(-300, 300, size=(neurons, 3)).astype(np.float32)
    dataset = types.SimpleNamespace(coordinates=coordinates,
                                    response_stats={"mean": np.zeros(neurons, np.float32), "std": np.ones(neurons, np.float32)})
    args = types.SimpleNamespace(
        output_shapes={mouse: (neurons,)}, input_shape=(1, 36, 64), shift_mode=2, behavior_mode=3, center_crop=1.0,
        resize_image=1, ds_name="sensorium", core="vit", verbose=0, device=torch.device("cpu"), grad_checkpointing=False,
        patch_mode=0, patch_size=6, patch_stride=3, emb_dim=12, num_blocks=2, num_heads=2, mlp_dim=16, p_dropout=0.1,
        t_dropout=0.1, drop_path=0.0, use_lsa=False, disable_bias=False, core_reg_scale=0.5379, readout="gaussian2d",
        disable_grid_predictor=False, grid_predictor_dim=2, bias_mode=0, readout_reg_scale=0.0076,
        shifter_reg_scale=0.0, cropper_reg_scale=0.0, ds_scale=0)
    model = Model(args, ds={mouse: types.SimpleNamespace(dataset=dataset)})
    # Move every parameter off its initial value (biases start at 0, features at 1/C) so that each
    # tensor's mapping matters.
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))
    model.eval()

    image_mean, image_std = 112.5, 57.25
    images = rng.integers(0, 256, size=(batch, 36, 64)).astype(np.uint8)
    inputs = torch.from_numpy((images.astype(np.float32) - image_mean) / image_std)[:, None]
    behaviour = torch.from_numpy(rng.normal(size=(batch, 3)).astype(np.float32))
    pupil = torch.from_numpy(rng.normal(size=(batch, 2)).astype(np.float32))
    responses = torch.from_numpy(rng.gamma(1.0, 1.0, size=(batch, neurons)).astype(np.float32))

    predictions, _, _ = model(inputs, mouse_id=mouse, behaviors=behaviour, pupil_centers=pupil)
    criterion = PoissonLoss(args, ds={mouse: types.SimpleNamespace(dataset=[0] * batch)})
    poisson = criterion(y_true=responses, y_pred=predictions, mouse_id=mouse)
    regularisation = model.regularizer(mouse)
    loss = poisson + regularisation
    loss.backward()

    tensors = {f"v1t.{name}": value.detach().float().contiguous() for name, value in model.state_dict().items()}
    tensors.update({f"grad.{name}": p.grad.detach().contiguous() for name, p in model.named_parameters()})
    tensors.update({
        "input.images": torch.from_numpy(images.astype(np.float32)),
        "input.behaviour": behaviour, "input.pupil_center": pupil, "input.responses": responses,
        "input.coordinates": torch.from_numpy(coordinates[:, :2].copy()),
        "input.image_statistics": torch.tensor([image_mean, image_std], dtype=torch.float32),
        "output.predictions": predictions.detach().contiguous(),
        "output.loss": torch.tensor([poisson.item(), regularisation.item()], dtype=torch.float32),
    })
    save_file(tensors, destination, metadata={"generator": "scripts/make-v1t-parity-fixture.py",
                                              "v1t_commit": "6599bf6", "torch": torch.__version__})
    print(f"{len(tensors)} tensors -> {destination}; loss {poisson.item():.6f} + regularisation {regularisation.item():.6f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
