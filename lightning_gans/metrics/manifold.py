"""Precision, recall, density and coverage of generated samples in a feature space (k-NN manifold estimates).

Both pairs estimate the real and the generated "manifolds" as unions of balls around each sample, the ball's
radius being the distance to the sample's k-th nearest neighbour in its own set (the sample itself excluded).

- **Precision / recall** (Kynkäänniemi et al., "Improved Precision and Recall Metric for Assessing Generative
  Models", NeurIPS 2019; k = 3 as in the paper). With ``NND_k(x)`` the k-NN radius of ``x`` in its own set::

      precision = 1/M sum_j 1[ exists i: ||Y_j - X_i|| <= NND_k(X_i) ]   (generated Y_j inside the real manifold)
      recall    = 1/N sum_i 1[ exists j: ||X_i - Y_j|| <= NND_k(Y_j) ]   (real X_i inside the generated manifold)

  computed by torch-fidelity's implementation (``torch_fidelity.metric_prc``), the reference the project agrees
  with for its other metrics.
- **Density / coverage** (Naeem et al., "Reliable Fidelity and Diversity Metrics for Generative Models",
  ICML 2020; k = 5 as the paper recommends). Balls around the real samples only, so outliers among the
  generated samples cannot inflate them::

      density  = 1/(k M) sum_j sum_i 1[ ||Y_j - X_i|| < NND_k(X_i) ]   (can exceed 1 where samples crowd)
      coverage = 1/N sum_i 1[ min_j ||X_i - Y_j|| < NND_k(X_i) ]      (real samples with a generated neighbour)

  Written here in torch (strict ``<`` as in the authors' ``prdc`` package, which the tests compare against)
  because ``prdc`` prints at every call and computes full float64 distance matrices with 8 joblib workers.

Real samples: ``X`` of shape ``(N, D)``; generated: ``Y`` of shape ``(M, D)``. Distances are Euclidean, computed in
row blocks of ``batch_size`` so 10,000 x 10,000 Inception features never need one 400 MB matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch_fidelity.metric_prc import calculate_precision_recall_part

PRECISION_RECALL_K = 3
DENSITY_COVERAGE_K = 5
MANIFOLD_METRICS = ("precision", "recall", "density", "coverage")


def knn_radii(features: torch.Tensor, k: int, batch_size: int = 2048) -> torch.Tensor:
    """``(N,)`` distance of each of the ``(N, D)`` features to its k-th nearest other feature."""
    if features.shape[0] <= k:
        raise ValueError(f"need more than k={k} samples for k-NN radii, got {features.shape[0]}")
    # kthvalue(k + 1): the smallest distance is the sample to itself (0)
    return torch.cat(
        [torch.cdist(block, features).kthvalue(k + 1, dim=1).values for block in features.split(batch_size)]
    )


def precision_recall(
    real: torch.Tensor, fake: torch.Tensor, k: int = PRECISION_RECALL_K, batch_size: int = 2048
) -> dict[str, float]:
    """Kynkäänniemi et al.'s ``precision`` and ``recall`` of ``(M, D)`` generated vs ``(N, D)`` real features."""
    real, fake = _check(real, fake, k)
    precision, recall = calculate_precision_recall_part(fake, real, neighborhood=k, batch_size=batch_size)
    return {"precision": float(precision), "recall": float(recall)}


def density_coverage(
    real: torch.Tensor,
    fake: torch.Tensor,
    k: int = DENSITY_COVERAGE_K,
    batch_size: int = 2048,
    real_radii: torch.Tensor | None = None,
) -> dict[str, float]:
    """Naeem et al.'s ``density`` and ``coverage`` of ``(M, D)`` generated vs ``(N, D)`` real features.

    ``real_radii`` (``(N,)``, ``knn_radii(real, k)``) can be passed in: they depend on the real set only, so a
    training run computes them once.
    """
    real, fake = _check(real, fake, k)
    radii = knn_radii(real, k, batch_size) if real_radii is None else real_radii.to(real)
    inside_count = torch.zeros(fake.shape[0], dtype=torch.float64, device=real.device)
    covered = []
    for start in range(0, real.shape[0], batch_size):
        distances = torch.cdist(real[start : start + batch_size], fake)  # (n, M)
        block_radii = radii[start : start + batch_size, None]
        inside_count += (distances < block_radii).sum(dim=0)
        covered.append(distances.min(dim=1).values < block_radii[:, 0])
    return {
        "density": float(inside_count.sum() / (k * fake.shape[0])),
        "coverage": float(torch.cat(covered).double().mean()),
    }


def manifold_metrics(
    real: torch.Tensor,
    fake: torch.Tensor,
    names: Sequence[str] = MANIFOLD_METRICS,
    real_radii: torch.Tensor | None = None,
    batch_size: int = 2048,
) -> dict[str, float]:
    """The requested ones of ``precision``, ``recall``, ``density``, ``coverage`` (see the module docstring)."""
    results: dict[str, float] = {}
    if {"precision", "recall"} & set(names):
        results.update(precision_recall(real, fake, batch_size=batch_size))
    if {"density", "coverage"} & set(names):
        results.update(density_coverage(real, fake, batch_size=batch_size, real_radii=real_radii))
    return {name: results[name] for name in names if name in results}


def _check(real: torch.Tensor, fake: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    if real.dim() != 2 or fake.dim() != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"expected (N, D) real and (M, D) generated features, got {tuple(real.shape)} and {tuple(fake.shape)}"
        )
    if min(real.shape[0], fake.shape[0]) <= k:
        raise ValueError(f"need more than k={k} real and generated samples for k-NN manifold metrics")
    # float64: distances of features that differ only in late digits must not tie by rounding
    return real.detach().double(), fake.detach().to(real.device).double()
