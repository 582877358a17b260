"""The shipped digit networks (digits, MNIST-5k): test-split accuracy, sizes, feature shapes, safe to load."""

from __future__ import annotations

import pytest
import torch

from lightning_gans.data.digits import load_digits_split
from lightning_gans.data.mnist5k import load_mnist5k_split
from lightning_gans.metrics.digits_net import WEIGHTS_FILES, default_weights_path, load_digits_classifier
from lightning_gans.metrics.image import ImageMetrics

SPLITS = {"digits": load_digits_split, "mnist5k": load_mnist5k_split}
# the bars sit a margin below the accuracies the training script printed (docs/BENCHMARKS.md, "MNIST-5k feature network")
ACCURACY_BARS = {"digits": 0.97, "mnist5k": 0.97}


@pytest.fixture(scope="module", params=list(WEIGHTS_FILES))
def data(request):
    return request.param


@pytest.fixture(scope="module")
def net(data):
    return load_digits_classifier(data=data)


@pytest.mark.parametrize("image_size", [32, 16])
def test_shipped_network_accuracy_on_test_split(data, net, image_size):
    split = SPLITS[data](image_size)
    with torch.no_grad():
        predictions = net(split["test"]).argmax(1)
    accuracy = float((predictions == split["test_labels"]).float().mean())
    assert accuracy >= ACCURACY_BARS[data], f"{data} {image_size}x{image_size} test accuracy {accuracy:.4f}"


def test_features_and_inputs(net):
    images = torch.rand(5, 3, 64, 64) * 2 - 1  # RGB and another size are converted
    assert net.features(images).shape == (5, 64)
    assert net(images).shape == (5, 10)
    assert not any(p.requires_grad for p in net.parameters())


def test_weights_file_is_small_and_safe_to_load(data):
    path = default_weights_path(data)
    assert path.stat().st_size < 1_000_000
    state = torch.load(path, weights_only=True)
    assert state["report"]["test_accuracy"] >= ACCURACY_BARS[data]


def test_image_metrics_take_the_mnist5k_network_by_name():
    """FID of the MNIST-5k test split against its train split in the MNIST-5k network: small, and far below the
    FID of the digits test split (another domain) against the same reference."""
    split = load_mnist5k_split(32)
    metrics = ImageMetrics("mnist5k", ["fid", "precision", "recall"])
    metrics.update_real(split["train"])
    metrics.update_fake(split["test"])
    same = metrics.compute()
    metrics.reset()
    metrics.update_fake(load_digits_split(32)["test"])
    other = metrics.compute()
    assert same["fid"] < other["fid"] / 5
    assert same["precision"] > 0.5 and same["recall"] > 0.5


def test_unknown_data_names_the_choices():
    with pytest.raises(ValueError, match="mnist5k"):
        default_weights_path("cifar10")


def test_the_evaluator_picks_the_mnist5k_network_for_mnist5k():
    """No Inception weights needed for MNIST-5k: ``auto`` takes its own shipped network."""
    from lightning_gans.data.mnist5k import MNIST5kDataModule
    from lightning_gans.metrics.evaluator import DataSpec, Evaluator

    spec = DataSpec("images", MNIST5kDataModule.__name__, 28)
    assert Evaluator(spec, metrics=["fid"]).feature_network == "mnist5k"
