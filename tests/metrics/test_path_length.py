"""Perceptual path length: the torchmetrics adapter on a generator whose PPL is known, and ``ppl`` on request in
the evaluation protocol."""

import pytest
import torch
from torch import nn

from lightning_gans import GAN, InfoGAN
from lightning_gans.metrics.evaluator import DataSpec, Evaluator
from lightning_gans.metrics.path_length import FeatureDistance, path_length

LATENT = 4


class LinearGenerator(nn.Module):
    """``z -> scale * z`` as ``(N, 1, 2, 2)`` images: every path has length ``scale^2 ||z2 - z1||^2``."""

    latent_dim = LATENT
    data_shape = (1, 2, 2)

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(scale))

    def forward(self, z):
        return (self.scale * z).view(-1, 1, 2, 2)


class PixelFeatures(nn.Module):
    """The identity as a 'feature network': distances are squared pixel distances."""

    def features(self, x):
        return x.flatten(1)


def test_feature_distance_is_the_squared_l2_of_the_features():
    a, b = torch.zeros(2, 1, 2, 2), torch.tensor([1.0, 2.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5]).view(2, 1, 2, 2)
    assert FeatureDistance(PixelFeatures())(a, b).tolist() == pytest.approx([5.0, 1.0])


def test_linear_generator_has_the_expected_path_length():
    # z1, z2 ~ N(0, I_4): E ||scale (z2 - z1)||^2 = scale^2 * 2 * 4 = 0.08 for scale 0.1 (1% tails cut: a bit less)
    model = GAN(LinearGenerator(0.1), nn.Linear(4, 1))
    result = path_length(model, PixelFeatures(), num_samples=4000, epsilon=1e-2, seed=0)
    assert result["ppl"] == pytest.approx(0.08, rel=0.1)
    doubled = GAN(LinearGenerator(0.2), nn.Linear(4, 1))
    assert path_length(doubled, PixelFeatures(), num_samples=4000, epsilon=1e-2, seed=0)[
        "ppl"
    ] == pytest.approx(4 * result["ppl"], rel=1e-3)  # same seed, same pairs: four times the squared length
    assert path_length(model, PixelFeatures(), num_samples=4000, epsilon=1e-2, seed=0) == result


def test_ppl_on_request_in_the_digits_protocol():
    model = InfoGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8)
    evaluator = Evaluator(DataSpec("digits", "digits", 16), metrics=["class_kl", "ppl"], num_samples=100)
    result = evaluator.evaluate(model)
    assert set(result) >= {"class_kl", "ppl", "ppl_std"} and result["ppl"] > 0
    assert "fid" not in result
    assert set(
        Evaluator(DataSpec("digits", "digits", 16), metrics=["ppl"], num_samples=50).evaluate(model)
    ) == {
        "ppl",
        "ppl_std",
    }
    with pytest.raises(ValueError, match="digits only"):
        Evaluator(DataSpec("images", "CIFAR10DataModule", 32), metrics=["fid", "ppl"])
