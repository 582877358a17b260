"""What the embedded labelled image sets share: a fixed split, the imbalance and one-class protocols, loaders.

A set implements ``load_split()`` returning ``{"train": (N, C, S, S), "test": (M, C, S, S), "train_labels":
(N,), "test_labels": (M,)}`` (images in [-1, 1], classes ``0..num_classes-1``); ``LabelledSplitDataModule``
turns it into a LightningDataModule whose batches are ``(images, labels)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import torch
from lightning.pytorch import LightningDataModule
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, TensorDataset
from typing_extensions import override

from lightning_gans.data import one_class
from lightning_gans.data.imbalance import Imbalance, imbalanced_indices
from lightning_gans.data.tensor_loader import TensorBatchLoader, check_batch_fits

TEST_FRACTION = 0.2
SPLIT_SEED = 0  # the fixed train/test split every metric and benchmark refers to


def stratified_split(
    images: torch.Tensor, labels: torch.Tensor, test_fraction: float = TEST_FRACTION
) -> dict[str, torch.Tensor]:
    """The fixed stratified split of ``(N, C, S, S)`` images with ``(N,)`` labels (``SPLIT_SEED``).

    Returns:
        ``{"train", "test", "train_labels", "test_labels"}``: each class split ``1 - test_fraction`` /
        ``test_fraction``.
    """
    train_idx, test_idx = train_test_split(
        np.arange(len(labels)), test_size=test_fraction, random_state=SPLIT_SEED, stratify=labels.numpy()
    )
    train_idx, test_idx = torch.from_numpy(train_idx), torch.from_numpy(test_idx)
    return {
        "train": images[train_idx],
        "test": images[test_idx],
        "train_labels": labels[train_idx],
        "test_labels": labels[test_idx],
    }


def imbalanced_split(
    split: dict[str, torch.Tensor], imbalance: Imbalance, num_classes: int = 10
) -> dict[str, torch.Tensor]:
    """``split`` with its training part cut down by an imbalance protocol (``lightning_gans.data.imbalance``).

    The test part stays balanced. ``removed``/``removed_labels`` hold the training images the protocol took out
    (a benchmark's oracle puts them back).
    """
    kept = imbalanced_indices(split["train_labels"], imbalance, num_classes)
    removed = torch.ones(len(split["train_labels"]), dtype=torch.bool)
    removed[kept] = False
    return split | {
        "train": split["train"][kept],
        "train_labels": split["train_labels"][kept],
        "removed": split["train"][removed],
        "removed_labels": split["train_labels"][removed],
    }


def one_class_split(split: dict[str, torch.Tensor], normal_classes: list[int], val_fraction: float) -> dict:
    """``split`` under the one-class protocol: ``train`` = normal training images less ``val`` (held out),
    ``test_is_anomaly`` = ``(N_test,)`` 0/1 for the whole test split."""
    train_idx, val_idx = one_class.normal_split(split["train_labels"], normal_classes, val_fraction)
    return split | {
        "train": split["train"][train_idx],
        "train_labels": split["train_labels"][train_idx],
        "val": split["train"][val_idx],
        "val_labels": split["train_labels"][val_idx],
        "test_is_anomaly": one_class.is_anomaly(split["test_labels"], normal_classes),
    }


class LabelledSplitDataModule(LightningDataModule, ABC):
    """A labelled image set held as tensors: subclasses set ``num_classes``/``channels`` and implement
    ``load_split()``.

    The training split lives on the training device as one tensor (see ``TensorBatchLoader``); batches are
    ``(images, labels)``: ``(batch_size, channels, image_size, image_size)`` images in [-1, 1] and
    ``(batch_size,)`` classes.

    Args:
        image_size: output height and width.
        batch_size: samples per batch and process.
        seed: seed of the per-epoch shuffle.
        imbalance: None (the balanced split), ``"step"`` or ``"longtail"`` (``lightning_gans.data.imbalance``);
            the test split stays balanced.
        normal_classes: one-class protocol (``lightning_gans.data.one_class``): train on these classes' training
            images less ``val_fraction`` held out (``val_dataloader``: ``(images, labels)``, normal only); the
            test loader yields the whole test split as ``(images, is_anomaly)``. None = all classes, no
            validation or test loader.
        val_fraction: share of the normal training images held out for validation (thresholds, selection).
    """

    num_classes: int = 10
    """The classes the batches' labels range over (a conditional model checks its own against it)."""
    channels: int = 1

    def __init__(
        self,
        image_size: int,
        batch_size: int = 64,
        seed: int = 0,
        imbalance: Imbalance | None = None,
        normal_classes: list[int] | None = None,
        val_fraction: float = 0.1,
    ) -> None:
        super().__init__()
        self.normal_classes = one_class.check_normal_classes(normal_classes, self.num_classes)
        if self.normal_classes is not None and imbalance is not None:
            raise ValueError("normal_classes and imbalance are two protocols: set one of them, not both.")
        if imbalance is not None and imbalance not in ("step", "longtail"):
            raise ValueError(f"imbalance must be 'step', 'longtail' or null (balanced), got {imbalance!r}")
        if image_size < 1:
            raise ValueError(f"image_size must be a positive number of pixels, got {image_size}.")
        self.val_fraction = val_fraction
        self.image_size = image_size
        self.batch_size = batch_size
        self.seed = seed
        self.imbalance = imbalance
        self.split: dict[str, torch.Tensor] | None = None

    @abstractmethod
    def load_split(self) -> dict[str, torch.Tensor]:
        """The set's fixed split at ``self.image_size`` (layout in the module docstring)."""

    @property
    def data_shape(self) -> tuple[int, int, int]:
        return (self.channels, self.image_size, self.image_size)

    @override
    def setup(self, stage: str | None = None) -> None:
        if self.split is None:
            split = self.load_split()
            if self.imbalance is not None:
                split = imbalanced_split(split, self.imbalance, self.num_classes)
            if self.normal_classes is not None:
                split = one_class_split(split, self.normal_classes, self.val_fraction)
            self.split = split
        if stage in (None, "fit"):  # before the run writes its config: the error leaves the folder as it was
            world_size = self.trainer.world_size if self.trainer is not None else 1
            check_batch_fits(len(self.split["train"]), self.batch_size, world_size)

    def class_counts(self) -> torch.Tensor:
        """``(num_classes,)`` training images per class (after the imbalance or one-class protocol)."""
        self.setup()
        return torch.bincount(self.split["train_labels"], minlength=self.num_classes)

    @override
    def train_dataloader(self) -> TensorBatchLoader:
        self.setup()
        split = self.split
        return TensorBatchLoader.for_trainer(
            split["train"], split["train_labels"], self.batch_size, self.seed, self.trainer
        )

    @override
    def val_dataloader(self) -> DataLoader | list:
        """Held-out normal ``(images, labels)`` under the one-class protocol; nothing otherwise."""
        self.setup()
        if self.normal_classes is None:
            return []
        return DataLoader(
            TensorDataset(self.split["val"], self.split["val_labels"]), batch_size=self.batch_size
        )

    @override
    def test_dataloader(self) -> DataLoader | list:
        """The whole test split as ``(images, is_anomaly)`` under the one-class protocol; nothing otherwise."""
        self.setup()
        if self.normal_classes is None:
            return []
        return DataLoader(TensorDataset(self.split["test"], self.split["test_is_anomaly"]), batch_size=256)
