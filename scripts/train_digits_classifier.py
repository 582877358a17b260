"""Trains the digit feature networks shipped as lightning_gans/metrics/weights/{digits,mnist5k}_cnn.pt.

python scripts/train_digits_classifier.py                              # digits_cnn.pt, prints test accuracy
python scripts/train_digits_classifier.py --data mnist5k --epochs 15   # mnist5k_cnn.pt (MNIST-5k)

Deterministic on CPU (fixed seed, one thread). Trains on the data set's fixed train split (``load_digits_split``
or ``load_mnist5k_split``, 32x32 in [-1, 1]) with small random shifts, rotations and scalings, and with 16x16
round trips so that lower-resolution samples are scored fairly; the test split is only used for the final
accuracy.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import torch
import torch.nn.functional as F

from lightning_gans.data.digits import load_digits_split
from lightning_gans.data.mnist5k import load_mnist5k_split
from lightning_gans.metrics.digits_net import WEIGHTS_FILES, DigitsClassifier, default_weights_path

SPLITS = {"digits": load_digits_split, "mnist5k": load_mnist5k_split}
"""Each shipped network's data: ``image_size -> {"train", "test", "train_labels", "test_labels"}``."""


def augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random affine (rotation +-12 deg, scale 0.9-1.1, shift +-2 px) and, for a quarter, a 16x16 round trip."""
    n = images.shape[0]
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(12)
    scale = 0.9 + 0.2 * torch.rand(n, generator=generator)
    shift = (torch.rand(n, 2, generator=generator) * 2 - 1) * (2 / 16)
    cos, sin = angle.cos() / scale, angle.sin() / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    # background is -1: shift to [0, 2] so zero padding means background
    out = F.grid_sample(images + 1, grid, mode="bilinear", padding_mode="zeros", align_corners=False) - 1
    low = torch.rand(n, generator=generator) < 0.25
    if low.any():
        small = F.interpolate(out[low], size=(16, 16), mode="bilinear", align_corners=False, antialias=True)
        out[low] = F.interpolate(small, size=(32, 32), mode="bilinear", align_corners=False)
    return out


@torch.no_grad()
def accuracy(net: DigitsClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    net.eval()
    return float((net(images).argmax(1) == labels).float().mean())


def train(
    epochs: int = 40, seed: int = 0, batch_size: int = 64, lr: float = 2e-3, data: str = "digits"
) -> tuple[DigitsClassifier, dict]:
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    load_split = SPLITS[data]
    split = load_split(32)
    x, y = split["train"], split["train_labels"]
    net = DigitsClassifier()
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=5e-4)
    steps = epochs * math.ceil(len(x) / batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), batch_size):
            idx = order[start : start + batch_size]
            loss = F.cross_entropy(net(augment(x[idx], generator)), y[idx], label_smoothing=0.05)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        if (epoch + 1) % 5 == 0:
            print(f"epoch {epoch + 1}: train acc {accuracy(net, x, y):.4f}", flush=True)
    report = {
        "train_accuracy": accuracy(net, x, y),
        "test_accuracy": accuracy(net, split["test"], split["test_labels"]),
        "test16_accuracy": accuracy(net, load_split(16)["test"], split["test_labels"]),
    }
    return net.eval(), report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=list(WEIGHTS_FILES), default="digits")
    parser.add_argument("--out", type=Path, default=None, help="default: the shipped file of --data")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out = args.out or default_weights_path(args.data)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    net, report = train(args.epochs, args.seed, data=args.data)
    print({k: round(v, 4) for k, v in report.items()})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    config = {"width": net.width, "feature_dim": net.num_features}
    state_dict = {k: v.clone() for k, v in net.state_dict().items()}
    saved = {
        "state_dict": state_dict,
        "config": config,
        "report": report,
        "seed": args.seed,
        "data": args.data,
    }
    torch.save(saved | {"epochs": args.epochs}, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
