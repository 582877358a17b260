"""The one-class protocol of Deep SVDD (Ruff et al. 2018) for labelled data sets.

The normal classes' **training** images are the training data, less a held-out fraction (``val_fraction``) that
the validation loader yields: the only data a threshold or a model choice may be fitted on. The test loader
yields the **whole** test split as ``(x, is_anomaly)``, ``is_anomaly`` 1 for every class not in
``normal_classes``. (GANomaly and EGBAD use the opposite protocol, one class as the anomaly: say which.)

Two protocols choose ``normal_classes`` from one class ``c`` (``protocol_normal_classes``): **one-class** (c is
normal, every other class an anomaly) and **many-normal** (every class but c is normal, c is the anomaly: a
multimodal normal class, the ODDS ``optdigits`` kind of set). Both go through the same split.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch

Protocol = Literal["one-class", "many-normal"]
PROTOCOLS: tuple[str, ...] = ("one-class", "many-normal")

ONE_CLASS_SEED = 0
"""Seed of the permutation that picks the held-out normal images: the same protocol always holds out the same."""


def check_normal_classes(normal_classes: Sequence[int] | None, num_classes: int) -> list[int] | None:
    """``normal_classes`` as a sorted list of distinct classes in ``0..num_classes-1`` (None stays None)."""
    if normal_classes is None:
        return None
    classes = sorted({int(c) for c in normal_classes})
    if not classes or classes[0] < 0 or classes[-1] >= num_classes:
        raise ValueError(
            f"normal_classes must be a non-empty list of classes 0..{num_classes - 1}, got {list(normal_classes)}."
        )
    if len(classes) == num_classes:
        raise ValueError("normal_classes lists every class: nothing would be anomalous in the test split.")
    return classes


def is_anomaly(labels: torch.Tensor, normal_classes: Sequence[int]) -> torch.Tensor:
    """``(N,)`` class labels -> ``(N,)`` long, 1 where the class is not normal."""
    return (~torch.isin(labels, torch.as_tensor(list(normal_classes), dtype=labels.dtype))).long()


def normal_split(
    labels: torch.Tensor, normal_classes: Sequence[int], val_fraction: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(train_index, val_index)`` into a training split with ``(N,)`` ``labels``: the normal samples, a fixed
    ``val_fraction`` of them (at least one when the fraction is > 0) held out for validation."""
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}.")
    normal = torch.nonzero(is_anomaly(labels, normal_classes) == 0).flatten()
    order = normal[torch.randperm(len(normal), generator=torch.Generator().manual_seed(ONE_CLASS_SEED))]
    n_val = max(1, round(val_fraction * len(order))) if val_fraction > 0 else 0
    return order[n_val:].sort().values, order[:n_val].sort().values


def protocol_normal_classes(protocol: Protocol, cls: int, classes: Sequence[int]) -> list[int]:
    """The normal classes of one case of a protocol: ``[cls]`` (one-class) or ``classes`` less ``cls``
    (many-normal, ``cls`` the anomaly)."""
    classes = sorted({int(c) for c in classes})
    if int(cls) not in classes:
        raise ValueError(f"class {cls} is not one of the data's classes {classes}.")
    if protocol == "one-class":
        return [int(cls)]
    if protocol == "many-normal":
        return [c for c in classes if c != int(cls)]
    raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, got {protocol!r}.")
