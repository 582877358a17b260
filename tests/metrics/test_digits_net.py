"""The shipped digits network: accuracy on the test split, sizes, feature shapes, shipped in the wheel."""

from __future__ import annotations

import pytest
import torch

from lightning_gans.data.digits import load_digits_split
from lightning_gans.metrics.digits_net import default_weights_path, load_digits_classifier


@pytest.fixture(scope="module")
def net():
    return load_digits_classifier()


@pytest.mark.parametrize("image_size", [32, 16])
def test_shipped_network_accuracy_on_test_split(net, image_size):
    split = load_digits_split(image_size)
    with torch.no_grad():
        predictions = net(split["test"]).argmax(1)
    accuracy = float((predictions == split["test_labels"]).float().mean())
    assert accuracy >= 0.97, f"{image_size}x{image_size} test accuracy {accuracy:.4f}"


def test_features_and_inputs(net):
    images = torch.rand(5, 3, 64, 64) * 2 - 1  # RGB and another size are converted
    assert net.features(images).shape == (5, 64)
    assert net(images).shape == (5, 10)
    assert not any(p.requires_grad for p in net.parameters())


def test_weights_file_is_small_and_safe_to_load():
    path = default_weights_path()
    assert path.stat().st_size < 1_000_000
    state = torch.load(path, weights_only=True)
    assert state["report"]["test_accuracy"] >= 0.97
