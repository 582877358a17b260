"""Logistic calibration of a discriminator's score, checked by a reliability number.

A discriminator trained to optimality outputs ``D*(x) = p(x) / (p(x) + q(x))``, so its logit is the density ratio
``log p(x)/q(x)`` that rejection sampling needs. A real discriminator is neither optimal nor calibrated (it
over-fits, and a WGAN critic's score is no probability at all), so both samplers of ``lightning_gans.sampling``
use a calibrated logit ``a * score + b`` instead: a one-feature logistic regression (scikit-learn) of "real or
generated" on the score, fitted on held-out real data and fresh samples in equal numbers (equal priors, so the
calibrated logit estimates ``log p/q`` itself). Turner et al. (MH-GAN, 2019) do the same with held-out data.

The fit uses one half of each set and the reliability (Brier score, expected calibration error) is measured on the
other half, for the raw ``sigmoid(score)`` and for the calibrated probability, so a report shows what the
calibration bought.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lightning_gans.errors import ConfigError

ECE_BINS = 10
"""Equal-width probability bins of the expected calibration error."""


@dataclass
class Calibration:
    """A fitted logistic calibration ``logit = slope * score + intercept`` and its reliability on held-out halves.

    Attributes:
        slope, intercept: the map from the discriminator's score to the calibrated logit (``log p/q``).
        brier, ece: Brier score and expected calibration error of the calibrated probability (lower is better;
            a constant 0.5 has Brier 0.25).
        raw_brier, raw_ece: the same for ``sigmoid(score)``, the uncalibrated discriminator.
        num_real, num_fake: the sizes of the two sets (both halves).
    """

    slope: float
    intercept: float
    brier: float
    ece: float
    raw_brier: float
    raw_ece: float
    num_real: int
    num_fake: int

    def logit(self, score: torch.Tensor) -> torch.Tensor:
        """``(N,)`` raw scores -> ``(N,)`` calibrated logits, an estimate of ``log p(x)/q(x)``."""
        return score * self.slope + self.intercept

    def describe(self) -> str:
        """One line: the reliability before and after, and the sets it was measured on."""
        return (
            f"calibration on {self.num_real} held-out real + {self.num_fake} generated samples: Brier "
            f"{self.brier:.3f} (raw {self.raw_brier:.3f}), ECE {self.ece:.3f} (raw {self.raw_ece:.3f}), "
            f"logit = {self.slope:.3g} * score + {self.intercept:.3g}"
        )

    def as_dict(self) -> dict[str, float]:
        return {
            "calibration_brier": self.brier,
            "calibration_ece": self.ece,
            "raw_brier": self.raw_brier,
            "raw_ece": self.raw_ece,
            "calibration_slope": self.slope,
            "calibration_intercept": self.intercept,
        }


def brier_score(prob: np.ndarray, target: np.ndarray) -> float:
    """Mean squared error of ``(N,)`` probabilities against ``(N,)`` 0/1 targets."""
    return float(np.mean((prob - target) ** 2))


def expected_calibration_error(prob: np.ndarray, target: np.ndarray, bins: int = ECE_BINS) -> float:
    """Expected calibration error: over equal-width bins of ``prob``, the share of samples in the bin times
    ``|mean target - mean prob|`` there (Guo et al. 2017)."""
    index = np.minimum((prob * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        inside = index == b
        if inside.any():
            total += inside.mean() * abs(target[inside].mean() - prob[inside].mean())
    return float(total)


def calibrate(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> Calibration:
    """Fits the logistic calibration of a discriminator's scores and measures its reliability.

    Args:
        real_scores: ``(N,)`` scores of held-out real samples (not seen in training).
        fake_scores: ``(M,)`` scores of fresh generated samples (use M = N: equal priors make the calibrated
            logit an estimate of ``log p/q``).

    Raises:
        ConfigError: non-finite scores, fewer than 4 of either, or a calibration that fails: a slope <= 0 means
            the scorer ranks held-out real data no higher than samples, so it cannot say which samples to keep.
    """
    from sklearn.linear_model import LogisticRegression

    real = real_scores.detach().double().flatten().cpu().numpy()
    fake = fake_scores.detach().double().flatten().cpu().numpy()
    if len(real) < 4 or len(fake) < 4:
        raise ConfigError(
            f"calibration needs at least 4 held-out real and 4 generated samples, got {len(real)} and {len(fake)}: "
            "give more held-out real data (--calibration_num)."
        )
    if not (np.isfinite(real).all() and np.isfinite(fake).all()):
        raise ConfigError(
            "the discriminator gave non-finite scores (NaN or Inf) to the calibration samples, so it cannot be "
            "calibrated: use an earlier checkpoint or sample without --rejection."
        )
    # fit on the first half of each set, measure reliability on the second half (held out from the fit)
    real_fit, real_check = real[: len(real) // 2], real[len(real) // 2 :]
    fake_fit, fake_check = fake[: len(fake) // 2], fake[len(fake) // 2 :]
    scores = np.concatenate([real_fit, fake_fit])[:, None]
    targets = np.concatenate([np.ones(len(real_fit)), np.zeros(len(fake_fit))])
    # standardise the score for the solver (a WGAN critic's values can be in the thousands), fold back after
    centre, scale = scores.mean(), scores.std() or 1.0
    # C large: the two parameters are not to be shrunk toward "the discriminator knows nothing"
    fit = LogisticRegression(C=1e6).fit((scores - centre) / scale, targets)
    slope = float(fit.coef_[0, 0] / scale)
    intercept = float(fit.intercept_[0] - slope * centre)
    if not slope > 0:
        raise ConfigError(
            f"the discriminator cannot be calibrated (logistic slope {slope:.3g} <= 0: it scores held-out real "
            "data no higher than generated samples), so it cannot pick samples: train longer, use a checkpoint "
            "whose discriminator separates real from generated data, or sample without --rejection."
        )
    check = np.concatenate([real_check, fake_check])
    check_targets = np.concatenate([np.ones(len(real_check)), np.zeros(len(fake_check))])
    calibrated = 1.0 / (1.0 + np.exp(-np.clip(slope * check + intercept, -500, 500)))
    raw = 1.0 / (1.0 + np.exp(-np.clip(check, -500, 500)))
    return Calibration(
        slope=slope,
        intercept=intercept,
        brier=brier_score(calibrated, check_targets),
        ece=expected_calibration_error(calibrated, check_targets),
        raw_brier=brier_score(raw, check_targets),
        raw_ece=expected_calibration_error(raw, check_targets),
        num_real=len(real),
        num_fake=len(fake),
    )
