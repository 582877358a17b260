"""Sampling-time corrections of a trained GAN by its discriminator: ``RejectionSampler`` (DRS, MH-GAN) and the
logistic calibration they use (``calibrate``)."""

from lightning_gans.sampling.calibration import (
    Calibration,
    brier_score,
    calibrate,
    expected_calibration_error,
)
from lightning_gans.sampling.rejection import METHODS, RejectionSampler, check_scorer, discriminator_scores

__all__ = [
    "METHODS",
    "Calibration",
    "RejectionSampler",
    "brier_score",
    "calibrate",
    "check_scorer",
    "discriminator_scores",
    "expected_calibration_error",
]
