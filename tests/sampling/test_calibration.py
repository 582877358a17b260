"""Logistic calibration on a toy where the true density ratio is known: p = N(1, 1) real, q = N(0, 1) generated,
so ``log p(x)/q(x) = x - 1/2`` exactly, and a "discriminator" whose score is a known affine map of it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lightning_gans.errors import ConfigError
from lightning_gans.sampling import brier_score, calibrate, expected_calibration_error


def two_gaussians(n: int = 20000, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``(n,)`` draws of the real N(1, 1) and of the generated N(0, 1)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, generator=g, dtype=torch.float64) + 1, torch.randn(
        n, generator=g, dtype=torch.float64
    )


@pytest.mark.parametrize(
    ("scale", "shift"),
    [(3.0, 2.0), (0.2, -1.0), (150.0, 900.0)],  # over-confident, under-confident, a WGAN critic's range
)
def test_calibration_recovers_the_true_log_ratio(scale, shift):
    real, fake = two_gaussians()
    # score = scale * (x - 1/2) + shift: monotone in the true log ratio, but not a calibrated logit
    calibration = calibrate(scale * (real - 0.5) + shift, scale * (fake - 0.5) + shift)
    x = torch.linspace(-1, 2, 7, dtype=torch.float64)  # where both densities have mass
    recovered = calibration.logit(scale * (x - 0.5) + shift)
    assert torch.allclose(recovered, x - 0.5, atol=0.1), (recovered, x - 0.5)
    # reliability on the half the fit did not see: calibrated, and at least as good as sigmoid(score)
    assert calibration.ece < 0.03
    assert calibration.brier <= calibration.raw_brier + 1e-9
    assert calibration.num_real == calibration.num_fake == 20000


def test_an_already_calibrated_logit_stays_put():
    real, fake = two_gaussians()
    calibration = calibrate(real - 0.5, fake - 0.5)
    assert calibration.slope == pytest.approx(1.0, abs=0.05)
    assert calibration.intercept == pytest.approx(0.0, abs=0.05)
    # both probabilities are reliable here; the raw one is the truth, the fitted one is as close as a fit gets
    assert abs(calibration.brier - calibration.raw_brier) < 1e-3


def test_reliability_numbers():
    prob = np.array([0.9, 0.9, 0.1, 0.1])
    target = np.array([1.0, 0.0, 0.0, 0.0])
    assert brier_score(prob, target) == pytest.approx((0.01 + 0.81 + 0.01 + 0.01) / 4)
    # bin 0.1: mean target 0, mean prob 0.1; bin 0.9: mean target 0.5, mean prob 0.9
    assert expected_calibration_error(prob, target) == pytest.approx(0.5 * 0.1 + 0.5 * 0.4)


def test_a_scorer_that_prefers_samples_is_refused():
    real, fake = two_gaussians(2000)
    with pytest.raises(ConfigError, match="cannot be calibrated.*without --rejection"):
        calibrate(-(real - 0.5), -(fake - 0.5))


def test_non_finite_scores_are_refused():
    real, fake = two_gaussians(100)
    real[3] = float("nan")
    with pytest.raises(ConfigError, match="non-finite"):
        calibrate(real, fake)
    with pytest.raises(ConfigError, match="at least 4"):
        calibrate(real[:2], fake)
