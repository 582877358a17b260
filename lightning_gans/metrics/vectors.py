"""Metrics of generated vectors (2-D points, tabular rows) against real ones, in the raw vector space.

No feature network: the vectors are the features. ``precision``/``recall`` (k = 3) and ``density``/``coverage``
(k = 5) as in ``lightning_gans.metrics.manifold``, and the ``energy`` distance of
``lightning_gans.metrics.distances``. Inception never applies to vectors.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from lightning_gans.errors import ConfigError
from lightning_gans.metrics.distances import energy_distance
from lightning_gans.metrics.manifold import DENSITY_COVERAGE_K, MANIFOLD_METRICS, knn_radii, manifold_metrics

VECTOR_METRICS = (*MANIFOLD_METRICS, "energy")


class VectorMetrics:
    """Vector metrics of generated samples against a fixed real set.

    Usage::

        metrics = VectorMetrics(["precision", "recall", "energy"])
        metrics.set_real(real)  # (N, D), once per run
        metrics.compute(fake)  # (M, D) -> {"precision": ..., "recall": ..., "energy": ...}
    """

    def __init__(self, metrics: Sequence[str] = VECTOR_METRICS) -> None:
        unknown = sorted(set(metrics) - set(VECTOR_METRICS))
        if unknown:
            raise ConfigError(f"unknown vector metrics {unknown}; choose from {list(VECTOR_METRICS)}")
        self.metric_names = list(dict.fromkeys(metrics))
        self.real: torch.Tensor | None = None
        self.real_radii: torch.Tensor | None = None

    def set_real(self, real: torch.Tensor) -> None:
        """The ``(N, D)`` real vectors (samples of any shape are flattened to vectors)."""
        self.real = real.detach().reshape(real.shape[0], -1).double()
        # density/coverage's k-NN radii depend on the real set only: once per run, not per evaluation
        self.real_radii = (
            knn_radii(self.real, DENSITY_COVERAGE_K)
            if {"density", "coverage"} & set(self.metric_names)
            else None
        )

    @torch.no_grad()
    def compute(self, fake: torch.Tensor) -> dict[str, float]:
        """The requested metrics of ``(M, D)`` generated vectors."""
        if self.real is None:
            raise RuntimeError("call set_real(real) first")
        fake = fake.detach().reshape(fake.shape[0], -1).to(self.real)
        results = manifold_metrics(self.real, fake, self.metric_names, real_radii=self.real_radii)
        if "energy" in self.metric_names:
            results["energy"] = energy_distance(self.real, fake)
        return {name: results[name] for name in self.metric_names}
