"""2-D mixtures of Gaussians used to measure mode collapse (VEEGAN / PacGAN protocol).

``ring8``: 8 modes on the unit circle at angles 2*pi*i/8, std 0.01.
``grid25``: 25 modes at (-4 + 2i, -4 + 2j) for i, j in 0..4, std 0.05.
Samples are drawn fresh for every batch, directly on the training device.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from lightning.pytorch import LightningDataModule
from typing_extensions import override

from lightning_gans.data.tensor_loader import SampledBatchLoader

ToyName = Literal["ring8", "grid25"]


def toy_modes(name: ToyName) -> tuple[torch.Tensor, float]:
    """``(modes, std)``: the ``(K, 2)`` mode centres and the per-axis standard deviation."""
    if name == "ring8":
        # 2*pi*i/8 for i in 0..7; linspace(0, 2*pi, 8) would repeat the first mode at 2*pi
        angles = torch.arange(8, dtype=torch.float32) * (2 * math.pi / 8)
        return torch.stack([angles.cos(), angles.sin()], dim=1), 0.01
    if name == "grid25":
        coords = torch.arange(5, dtype=torch.float32) * 2 - 4
        return torch.cartesian_prod(coords, coords), 0.05
    raise ValueError(f"unknown toy data set {name!r}; choose 'ring8' or 'grid25'")


def sample_toy(
    name: ToyName, n: int, device: torch.device | str = "cpu", generator: torch.Generator | None = None
):
    """``(n, 2)`` samples: a uniformly chosen mode plus Gaussian noise of the set's std."""
    modes, std = toy_modes(name)
    modes = modes.to(device)
    idx = torch.randint(len(modes), (n,), device=device, generator=generator)
    return modes[idx] + std * torch.randn(n, 2, device=device, generator=generator)


class Toy2DDataModule(LightningDataModule):
    """Fresh samples of ``ring8`` or ``grid25`` every batch; an "epoch" is ``batches_per_epoch`` batches.

    Args:
        name: ``"ring8"`` or ``"grid25"``.
        batch_size: samples per batch and process.
        batches_per_epoch: length of an epoch (the data are infinite).
        seed: base seed of the per-batch generators (see ``SampledBatchLoader``): the data stream is fixed by
            ``seed`` alone, whatever the model draws, and a resumed run sees the same batches.
    """

    def __init__(
        self, name: ToyName = "ring8", batch_size: int = 256, batches_per_epoch: int = 500, seed: int = 0
    ) -> None:
        super().__init__()
        toy_modes(name)  # fail early on an unknown name
        self.name = name
        self.batch_size = batch_size
        self.batches_per_epoch = batches_per_epoch
        self.seed = seed

    num_classes = None
    """The batches carry no class labels (a conditional model refuses this data at start-up)."""

    @property
    def data_shape(self) -> tuple[int]:
        return (2,)

    @override
    def train_dataloader(self) -> SampledBatchLoader:
        trainer = self.trainer
        device = trainer.strategy.root_device if trainer is not None else torch.device("cpu")
        return SampledBatchLoader(
            lambda n, dev, generator: sample_toy(self.name, n, dev, generator),
            self.batch_size,
            self.batches_per_epoch,
            device,
            seed=self.seed,
            rank=trainer.global_rank if trainer else 0,
            epoch=(lambda: trainer.current_epoch) if trainer else (lambda: 0),
        )
