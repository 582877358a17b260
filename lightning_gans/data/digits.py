"""scikit-learn's bundled handwritten digits: 1,797 8x8 grey images shipped inside the package, no download."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from typing_extensions import override

from lightning_gans.data.imbalance import Imbalance
from lightning_gans.data.labelled import (  # noqa: F401  (imbalanced_split, one_class_split: their old home)
    SPLIT_SEED,
    TEST_FRACTION,
    LabelledSplitDataModule,
    imbalanced_split,
    one_class_split,
    stratified_split,
)

NUM_CLASSES = 10


def load_digits_split(image_size: int = 32) -> dict[str, torch.Tensor]:
    """The fixed digits split, resized and scaled to [-1, 1].

    Returns:
        ``{"train": (1437, 1, S, S), "test": (360, 1, S, S), "train_labels": (1437,), "test_labels": (360,)}``.
    """
    digits = load_digits()
    images = torch.from_numpy(digits.images).float().unsqueeze(1) / 16.0  # (1797, 1, 8, 8) in [0, 1]
    labels = torch.from_numpy(digits.target).long()
    if image_size != 8:
        images = F.interpolate(images, size=(image_size, image_size), mode="bilinear", align_corners=False)
    images = (images.clamp(0, 1) * 2 - 1).contiguous()
    return stratified_split(images, labels)


class DigitsDataModule(LabelledSplitDataModule):
    """The embedded default data set: digits resized to ``image_size`` and scaled to [-1, 1].

    The training split lives on the training device as one tensor (see ``TensorBatchLoader``); batches are
    ``(images, labels)``: ``(batch_size, 1, image_size, image_size)`` images and ``(batch_size,)`` classes 0-9.

    Args:
        image_size: output size (8 = original; 16 or 32 for DCGAN).
        batch_size: samples per batch and process.
        seed: seed of the per-epoch shuffle.
        imbalance: None (the balanced split, about 144 images per class), ``"step"`` (classes 1, 3, 5, 7, 9
            keep 1 in 10 of their training images) or ``"longtail"`` (90 images of class 0 down to 9 of class 9);
            the protocols are in ``lightning_gans.data.imbalance``. The test split stays balanced.
        normal_classes: one-class protocol (``lightning_gans.data.one_class``): train on these classes' training
            images less ``val_fraction`` held out (``val_dataloader``: ``(images, labels)``, normal only); the
            test loader yields the whole test split as ``(images, is_anomaly)``. None = all classes, no
            validation or test loader.
        val_fraction: share of the normal training images held out for validation (thresholds, selection).
    """

    num_classes = NUM_CLASSES
    """The classes the batches' labels range over (a conditional model checks its own against it)."""

    def __init__(
        self,
        image_size: int = 32,
        batch_size: int = 64,
        seed: int = 0,
        imbalance: Imbalance | None = None,
        normal_classes: list[int] | None = None,
        val_fraction: float = 0.1,
    ) -> None:
        super().__init__(image_size, batch_size, seed, imbalance, normal_classes, val_fraction)

    @override
    def load_split(self) -> dict[str, torch.Tensor]:
        return load_digits_split(self.image_size)
