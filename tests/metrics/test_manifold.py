"""Precision/recall (k=3) and density/coverage (k=5) on hand-made point sets with known answers, and agreement
with the authors' reference implementation (``prdc``, a dev dependency)."""

from __future__ import annotations

import contextlib
import io
import math

import pytest
import torch

from lightning_gans.metrics.manifold import density_coverage, knn_radii, manifold_metrics, precision_recall


def hexagon(centre: tuple[float, float]) -> torch.Tensor:
    """``(6, 2)`` vertices of a unit hexagon: neighbour distances 1, 1, sqrt(3), sqrt(3), 2."""
    angles = torch.arange(6, dtype=torch.float64) * (2 * math.pi / 6)
    return torch.stack([angles.cos(), angles.sin()], dim=1) + torch.tensor(centre, dtype=torch.float64)


def two_hexagons() -> torch.Tensor:
    return torch.cat([hexagon((0.0, 0.0)), hexagon((100.0, 0.0))])  # (12, 2): two far-apart modes


def test_knn_radii_of_a_hexagon():
    radii = knn_radii(two_hexagons(), k=3)
    assert torch.allclose(radii, torch.full((12,), math.sqrt(3), dtype=torch.float64))
    assert torch.allclose(knn_radii(two_hexagons(), k=5), torch.full((12,), 2.0, dtype=torch.float64))


def test_collapse_onto_one_point_of_one_mode():
    """Ten samples at the centre of the first hexagon: 1 from its 6 vertices, inside their k=3 radius sqrt(3)
    and their k=5 radius 2, and 100 from the other mode.

    precision 1 (every sample inside a real ball); recall 0 (the samples' own k-NN radius is 0: no real point lies
    inside the generated manifold); density 6 balls / k=5 = 1.2 (crowding pushes it above 1); coverage 6/12."""
    fake = torch.zeros(10, 2, dtype=torch.float64)
    result = manifold_metrics(two_hexagons(), fake)
    assert result == pytest.approx({"precision": 1.0, "recall": 0.0, "density": 1.2, "coverage": 0.5})


def test_identical_sets_score_one_and_far_sets_zero():
    real = torch.randn(200, 3, generator=torch.Generator().manual_seed(0))
    # a sample equal to a real point is inside all balls closer than that point's k-th neighbour: exactly k
    # of them counting itself (no ties in continuous data), so density is exactly 1
    same = manifold_metrics(real, real.clone())
    assert same == pytest.approx({"precision": 1.0, "recall": 1.0, "density": 1.0, "coverage": 1.0})
    far = manifold_metrics(real, real + 100)
    assert far == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_half_of_the_samples_on_the_data():
    real = two_hexagons()
    fake = torch.cat([hexagon((100.0, 0.0)), torch.full((6, 2), 50.0, dtype=torch.float64)])
    # the second mode copied, six samples in the void between the modes
    result = precision_recall(real, fake)
    assert result["precision"] == pytest.approx(0.5)
    assert result["recall"] == pytest.approx(0.5)  # the first mode's vertices are far from every sample
    assert density_coverage(real, fake)["coverage"] == pytest.approx(0.5)


@pytest.mark.parametrize("seed", [0, 1])
def test_agrees_with_the_authors_prdc_package(seed):
    prdc = pytest.importorskip("prdc")
    generator = torch.Generator().manual_seed(seed)
    real = torch.randn(300, 8, generator=generator)
    fake = 0.8 * torch.randn(250, 8, generator=generator) + 0.3
    with contextlib.redirect_stdout(io.StringIO()):  # prdc prints the set sizes
        k5 = prdc.compute_prdc(real.numpy(), fake.numpy(), nearest_k=5)
        k3 = prdc.compute_prdc(real.numpy(), fake.numpy(), nearest_k=3)
    ours = manifold_metrics(real, fake)
    assert 0 < ours["coverage"] < 1 and 0 < ours["recall"] < 1  # a case where the numbers say something
    assert ours["density"] == pytest.approx(k5["density"], abs=1e-12)
    assert ours["coverage"] == pytest.approx(k5["coverage"], abs=1e-12)
    # torch-fidelity's precision/recall (k=3) against prdc's at the same k
    assert ours["precision"] == pytest.approx(k3["precision"], abs=1e-6)
    assert ours["recall"] == pytest.approx(k3["recall"], abs=1e-6)


def test_radii_passed_in_give_the_same_answer_and_shapes_are_checked():
    generator = torch.Generator().manual_seed(2)
    real, fake = torch.randn(100, 4, generator=generator), torch.randn(80, 4, generator=generator)
    radii = knn_radii(real.double(), 5)
    assert density_coverage(real, fake, real_radii=radii) == density_coverage(real, fake)
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        manifold_metrics(real, fake[:, :3])
    with pytest.raises(ValueError, match="more than k"):
        manifold_metrics(real, fake[:3])
