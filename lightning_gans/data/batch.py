"""What a batch of any data module holds: samples, and labels where the data has them."""

from __future__ import annotations

import torch


def split_batch(batch: torch.Tensor | tuple | list) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``(samples, labels)`` of a data batch: data modules yield ``x`` or ``(x, labels, ...)``.

    Returns:
        ``samples`` of shape ``(N, *data_shape)`` and ``labels`` (``(N,)`` class indices, or whatever the data
        module yields second, e.g. CelebA's ``(N, 40)`` attributes), or None for an unlabelled batch.
    """
    if isinstance(batch, tuple | list):
        return batch[0], (batch[1] if len(batch) > 1 else None)
    return batch, None


def real_samples(batch: torch.Tensor | tuple | list) -> torch.Tensor:
    """The images/points of a batch: data modules yield either ``x`` or ``(x, label)``."""
    return split_batch(batch)[0]
