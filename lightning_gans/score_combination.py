"""One anomaly score from several detectors, fitted on held-out **normal** data only.

Detectors' scores live on unrelated scales (izi_f a mean squared error, EGBAD an L1 sum of about 100, k-NN a
distance), so they are first put on one: each score is standardised with the **median** and **interquartile
range** of its own scores on the held-out normal data (``val``), the same data thresholds are set on. A median
and IQR rather than a mean and standard deviation because the held-out set is small (13 images for one digit
of the embedded digits) and one odd normal image would set a standard deviation.

The standardised scores are then averaged with weights that also come from the held-out normal data:

- ``"equal"`` (default): every detector weighs ``1 / K``: the z-score average of Aggarwal & Sathe (2015);
- ``"inverse_spread"``: weight proportional to ``1 / std(z_val)``, the standard deviation of the detector's
  standardised held-out normal scores. After median/IQR standardisation that spread is what the normal data
  puts beyond its quartiles: a detector whose normal scores have a long tail raises false alarms, so it counts
  less.

Nothing here sees test data or anomalies: without anomalies there is no way to tell which detector separates
better, only how each behaves on normal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np

Rule = Literal["equal", "inverse_spread"]
RULES: tuple[str, ...] = ("equal", "inverse_spread")


def standardiser(val_scores: np.ndarray) -> tuple[float, float]:
    """``(M,)`` held-out normal scores -> ``(median, IQR)``; an IQR of 0 (ties) falls back to the standard
    deviation, then to 1, so a constant score stays finite."""
    val_scores = np.asarray(val_scores, dtype=np.float64)
    if val_scores.size == 0:
        raise ValueError("no held-out normal scores to standardise with (the validation split is empty).")
    q25, median, q75 = np.quantile(val_scores, [0.25, 0.5, 0.75])
    scale = q75 - q25
    if not scale > 0:
        scale = float(val_scores.std()) or 1.0
    return float(median), float(scale)


def combination_weights(val_scores: Mapping[str, np.ndarray], rule: Rule = "equal") -> dict[str, float]:
    """Weights (summing to 1) per detector from each one's ``(M,)`` held-out normal scores only."""
    if rule not in RULES:
        raise ValueError(f"rule must be one of {', '.join(RULES)}, got {rule!r}.")
    if rule == "equal":
        return {name: 1.0 / len(val_scores) for name in val_scores}
    spreads = {}
    for name, scores in val_scores.items():
        median, scale = standardiser(scores)
        spreads[name] = max(float(((np.asarray(scores) - median) / scale).std()), 1e-12)
    total = sum(1.0 / s for s in spreads.values())
    return {name: (1.0 / s) / total for name, s in spreads.items()}


def combine(
    scores: Mapping[str, np.ndarray], val_scores: Mapping[str, np.ndarray], rule: Rule = "equal"
) -> np.ndarray:
    """The weighted mean of the standardised scores.

    Args:
        scores: per detector, ``(N,)`` scores to combine (higher = more anomalous), e.g. of the test split.
        val_scores: per detector (the same names), ``(M,)`` scores of held-out normal data.
        rule: how the weights are set (module docstring).

    Returns:
        ``(N,)`` combined scores, higher = more anomalous; about 0 for a typical normal sample.
    """
    if set(scores) != set(val_scores) or not scores:
        raise ValueError(
            f"combine needs the same detectors' scores and held-out scores, got {sorted(scores)} and "
            f"{sorted(val_scores)}."
        )
    weights = combination_weights(val_scores, rule)
    total = np.zeros(len(next(iter(scores.values()))))
    for name, s in scores.items():
        median, scale = standardiser(val_scores[name])
        total += weights[name] * (np.asarray(s, dtype=np.float64) - median) / scale
    return total
