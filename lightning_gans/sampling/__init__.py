"""Sampling-time corrections of a trained GAN by its discriminator: ``RejectionSampler`` (DRS, MH-GAN) and the
logistic calibration they use (``calibrate``); and by a classifier: ``confidence_filter`` keeps the conditional
samples a classifier trained on real data recognises as their asked-for class."""

from lightning_gans.sampling.calibration import (
    Calibration,
    brier_score,
    calibrate,
    expected_calibration_error,
)
from lightning_gans.sampling.confidence import class_thresholds, confidence_filter, confidence_mask
from lightning_gans.sampling.rejection import METHODS, RejectionSampler, check_scorer, discriminator_scores

__all__ = [
    "METHODS",
    "Calibration",
    "RejectionSampler",
    "brier_score",
    "calibrate",
    "check_scorer",
    "class_thresholds",
    "confidence_filter",
    "confidence_mask",
    "discriminator_scores",
    "expected_calibration_error",
]
