"""Two-sample distances between sets of vectors (2-D points, tabular rows, features).

**Energy distance** (Székely and Rizzo, "Energy statistics: A class of statistics based on distances", 2013)::

    energy(X, Y) = 2 E||X - Y|| - E||X - X'|| - E||Y - Y'||

with ``X, X'`` independent draws of the real distribution and ``Y, Y'`` of the generated one. It is zero exactly
when the two distributions are equal and, unlike mode counts, needs no knowledge of the data's modes. The
expectations are the means over all pairs of the two samples (the V-statistic, as ``scipy.stats.energy_distance``
and ``dcor`` compute it: never negative, zero for identical samples); in one dimension it equals the square of
scipy's value, which the tests check. Written here because the library that has it for vectors (``dcor``) pulls
in numba for three means of ``torch.cdist``.
"""

from __future__ import annotations

import torch


def mean_distance(x: torch.Tensor, y: torch.Tensor, batch_size: int = 2048) -> torch.Tensor:
    """Mean Euclidean distance over all pairs of rows of ``(N, D)`` ``x`` and ``(M, D)`` ``y`` (a scalar)."""
    total = sum(torch.cdist(block, y).sum() for block in x.split(batch_size))
    return total / (x.shape[0] * y.shape[0])


def energy_distance(real: torch.Tensor, fake: torch.Tensor, batch_size: int = 2048) -> float:
    """The energy distance between ``(N, D)`` real and ``(M, D)`` generated samples."""
    if real.dim() != 2 or fake.dim() != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"expected (N, D) and (M, D) samples, got {tuple(real.shape)} and {tuple(fake.shape)}"
        )
    if min(real.shape[0], fake.shape[0]) < 1:
        raise ValueError("the energy distance needs at least one real and one generated sample")
    real = real.detach().double()
    fake = fake.detach().to(real.device).double()
    cross = mean_distance(real, fake, batch_size)
    return float(2 * cross - mean_distance(real, real, batch_size) - mean_distance(fake, fake, batch_size))
