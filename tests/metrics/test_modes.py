"""2-D mode coverage on hand-made point sets with known answers."""

from __future__ import annotations

import math

import pytest
import torch

from lightning_gans.data.toy2d import toy_modes
from lightning_gans.metrics.modes import mode_coverage


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_all_points_on_the_modes(name):
    modes, std = toy_modes(name)
    points = modes.repeat(100, 1)  # every mode equally often, exactly on the centre
    result = mode_coverage(points, modes, std)
    assert result["modes"] == len(modes)
    assert result["hq"] == 1.0
    assert result["reverse_kl"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_all_points_on_one_mode(name):
    modes, std = toy_modes(name)
    points = modes[3] + 0.5 * std * torch.randn(500, 2, generator=torch.Generator().manual_seed(0))
    result = mode_coverage(points, modes, std)
    assert result["modes"] == 1
    assert result["hq"] == 1.0
    assert result["reverse_kl"] == pytest.approx(math.log(len(modes)))  # KL(one-hot || uniform) = log K


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_all_points_far_away(name):
    modes, std = toy_modes(name)
    points = torch.full((200, 2), 50.0)
    result = mode_coverage(points, modes, std)
    assert result == {"modes": 0, "hq": 0.0, "reverse_kl": math.inf}


def test_half_high_quality_and_three_std_boundary():
    modes, std = toy_modes("ring8")
    near = modes[:2] + torch.tensor([2.9 * std, 0.0])  # inside 3 std of modes 0 and 1
    far = modes[:2] + torch.tensor([0.0, 3.5 * std]) * torch.tensor([[1.0], [1.0]])  # outside
    result = mode_coverage(torch.cat([near, far]), modes, std)
    assert result["modes"] == 2 and result["hq"] == 0.5
    assert result["reverse_kl"] == pytest.approx(math.log(4))  # two modes out of eight, equally often


def test_true_distribution_meets_the_benchmark_targets():
    from lightning_gans.data.toy2d import sample_toy

    for name, count in [("ring8", 8), ("grid25", 25)]:
        modes, std = toy_modes(name)
        result = mode_coverage(sample_toy(name, 2500, generator=torch.Generator().manual_seed(0)), modes, std)
        assert result["modes"] == count and result["hq"] > 0.98 and result["reverse_kl"] < 0.03
