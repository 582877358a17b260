"""Memorisation check: are generated samples closer to the training set than new real data are?

For each generated sample, its distance (in the feature space of the FID) to the nearest training sample; for
each held-out real sample (the test split), the same distance. The ratio of the medians::

    memorization = median_j min_i ||G_j - T_i||  /  median_h min_i ||H_h - T_i||

with ``T`` the training features, ``G`` the generated and ``H`` the held-out ones. About 1: samples are as far from
the training images as unseen real images are. Well below 1: samples sit on (copies of) training images, which
FID cannot see (a KDE with a small bandwidth has an excellent FID by copying). Above 1: samples are farther from
the training set than real data are (poor quality, or novel). Medians, so a few copies or a few outliers do not
decide the number.
"""

from __future__ import annotations

import torch


def nearest_distances(queries: torch.Tensor, reference: torch.Tensor, batch_size: int = 2048) -> torch.Tensor:
    """``(Q,)`` distance of each of the ``(Q, D)`` queries to its nearest row of ``(R, D)`` ``reference``."""
    reference = reference.detach().double()
    return torch.cat(
        [
            torch.cdist(block.detach().to(reference).double(), reference).min(dim=1).values
            for block in queries.split(batch_size)
        ]
    )


def memorization_ratio(
    fake: torch.Tensor, train: torch.Tensor, heldout: torch.Tensor, batch_size: int = 2048
) -> float:
    """The ratio above for ``(M, D)`` generated, ``(N, D)`` training and ``(H, D)`` held-out features."""
    return float(
        nearest_distances(fake, train, batch_size).median()
        / heldout_median_distance(train, heldout, batch_size)
    )


def heldout_median_distance(
    train: torch.Tensor, heldout: torch.Tensor, batch_size: int = 2048
) -> torch.Tensor:
    """The denominator: median distance of held-out features to their nearest training feature (> 0)."""
    median = nearest_distances(heldout, train, batch_size).median()
    if median <= 0:
        raise ValueError(
            "held-out samples coincide with training samples: the memorisation ratio is undefined"
        )
    return median
