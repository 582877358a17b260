"""Mode coverage of 2-D samples (VEEGAN / PacGAN protocol).

A sample is *high quality* if it lies within ``3 * std`` of its nearest mode; a mode is *covered* if at least one
high-quality sample is nearest to it; the reverse KL compares the mode histogram of the high-quality samples with
the uniform distribution over modes: ``KL(p_gen || uniform) = sum_k p_k log(p_k * K)``.
"""

from __future__ import annotations

import math

import torch


def mode_coverage(samples: torch.Tensor, modes: torch.Tensor, std: float) -> dict[str, float]:
    """Scores ``(N, 2)`` samples against ``(K, 2)`` mode centres.

    Returns:
        ``{"modes": covered mode count, "hq": share of high-quality samples in [0, 1],
        "reverse_kl": KL(mode histogram of hq samples || uniform), inf when no sample is high quality}``.
    """
    samples = samples.detach().float().cpu()
    modes = modes.float().cpu()
    distances = torch.cdist(samples, modes)  # (N, K)
    nearest_distance, nearest = distances.min(dim=1)
    high_quality = nearest_distance <= 3 * std
    counts = torch.bincount(nearest[high_quality], minlength=len(modes)).double()
    total = counts.sum()
    if total == 0:
        reverse_kl = math.inf
    else:
        p = counts / total
        nonzero = p > 0
        reverse_kl = float((p[nonzero] * (p[nonzero] * len(modes)).log()).sum())
    return {
        "modes": int((counts > 0).sum()),
        "hq": float(high_quality.double().mean()),
        "reverse_kl": reverse_kl,
    }
