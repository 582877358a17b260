"""Documented protocols that make a balanced training split imbalanced (the test split stays as it is).

``step`` (Buda et al. 2018's step imbalance at ratio 10): the odd classes 1, 3, 5, 7 and 9 keep 1 in 10 of their
training images (``round(n / 10)``, at least 1); the even classes keep all of theirs.

``longtail``: class ``c`` of ``K`` keeps ``round(90 * 0.1 ** (c / (K - 1)))`` images, an exponential decay from 90
(class 0) down to 9 (class K - 1): 90, 70, 54, 42, 32, 25, 19, 15, 12, 9 for the ten digits. A class with
fewer images keeps all it has.

Which images are kept is fixed: a permutation seeded by ``IMBALANCE_SEED`` per class, the first ones kept. The
same protocol always removes the same images, so every arm of a benchmark sees the same imbalanced set, and the
removed images can be put back (the oracle arm).
"""

from __future__ import annotations

from typing import Literal

import torch

Imbalance = Literal["step", "longtail"]
IMBALANCE_SEED = 0
STEP_MINORITY_CLASSES = (1, 3, 5, 7, 9)
STEP_RATIO = 10
LONGTAIL_MAX, LONGTAIL_MIN = 90, 9


def kept_per_class(counts: list[int], protocol: Imbalance) -> list[int]:
    """How many images of each class the protocol keeps, from the balanced counts ``counts[c]``."""
    k = len(counts)
    if protocol == "step":
        return [
            max(1, round(n / STEP_RATIO)) if c in STEP_MINORITY_CLASSES else n for c, n in enumerate(counts)
        ]
    if protocol == "longtail":
        decay = LONGTAIL_MIN / LONGTAIL_MAX
        return [min(n, round(LONGTAIL_MAX * decay ** (c / max(k - 1, 1)))) for c, n in enumerate(counts)]
    raise ValueError(f"imbalance must be 'step', 'longtail' or null (balanced), got {protocol!r}")


def imbalanced_indices(labels: torch.Tensor, protocol: Imbalance, num_classes: int) -> torch.Tensor:
    """Sorted indices into ``labels`` (``(N,)`` class indices) of the samples the protocol keeps."""
    counts = torch.bincount(labels, minlength=num_classes).tolist()
    keep = kept_per_class(counts, protocol)
    generator = torch.Generator().manual_seed(IMBALANCE_SEED)
    kept = []
    for c in range(num_classes):
        members = (labels == c).nonzero().flatten()
        order = torch.randperm(len(members), generator=generator)
        kept.append(members[order[: keep[c]]])
    return torch.cat(kept).sort().values
