"""The energy distance of vector sets: known values and scipy's one-dimensional implementation."""

from __future__ import annotations

import pytest
import torch

from lightning_gans.metrics.distances import energy_distance


def test_point_masses():
    real = torch.zeros(5, 2)
    fake = torch.tensor([[3.0, 4.0]]).expand(7, 2)
    assert energy_distance(real, fake) == pytest.approx(2 * 5.0)  # 2|a| - 0 - 0
    assert energy_distance(real, real) == 0.0


def test_matches_scipy_in_one_dimension():
    scipy_stats = pytest.importorskip("scipy.stats")
    generator = torch.Generator().manual_seed(0)
    real = torch.randn(60, 1, generator=generator)
    fake = torch.randn(45, 1, generator=generator) * 1.5 + 0.4
    expected = scipy_stats.energy_distance(real[:, 0].numpy(), fake[:, 0].numpy()) ** 2  # scipy: the root
    assert energy_distance(real, fake) == pytest.approx(expected, rel=1e-9)


def test_grows_with_the_shift_and_is_small_for_one_distribution():
    generator = torch.Generator().manual_seed(1)
    real = torch.randn(500, 2, generator=generator)
    same = energy_distance(real, torch.randn(500, 2, generator=generator))
    shifted = [energy_distance(real, torch.randn(500, 2, generator=generator) + s) for s in (0.5, 1.0, 2.0)]
    assert same < 0.02 < shifted[0] < shifted[1] < shifted[2]
