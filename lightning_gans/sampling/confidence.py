"""Keeping only the generated samples a classifier recognises as the class they were asked for.

A conditional GAN asked for class ``c`` sometimes draws another digit, or no digit at all; augmenting a training
set with such samples adds label noise. The filter scores every generated sample with a classifier trained on the
*real* training split and keeps a sample when the probability that classifier gives the asked-for class reaches
that class's threshold.

Rule for the thresholds (``class_thresholds``): the threshold of class ``c`` is the ``quantile`` of the
classifier's probability of the true class over the real **training** images of class ``c``. With
``quantile=0.1``, a generated sample of class ``c`` is kept when the classifier is at least as sure of it as it is
of the 10% least clear real training images of ``c``. A threshold per class, not one for all, because a classifier
trained on an imbalanced split is less sure of its minority classes; one global threshold would throw away most
of the samples of exactly the classes that need them. The thresholds come from training images only, never from a
test split.
"""

from __future__ import annotations

import torch


def class_thresholds(
    probabilities: torch.Tensor, labels: torch.Tensor, quantile: float, num_classes: int | None = None
) -> torch.Tensor:
    """Per-class confidence thresholds from a classifier's output on real training images.

    Args:
        probabilities: ``(N, K)`` class probabilities (rows sum to 1) of the classifier on real training images.
        labels: ``(N,)`` their true classes.
        quantile: in [0, 1]; the threshold of class ``c`` is this quantile of ``probabilities[i, c]`` over the
            images ``i`` of class ``c`` (``torch.quantile``, linear interpolation).
        num_classes: ``K`` (default: ``probabilities.shape[1]``).

    Returns:
        ``(K,)`` thresholds; a class without training images gets 0 (nothing to compare with: keep all).
    """
    if not 0.0 <= quantile <= 1.0:
        raise ValueError(f"quantile must be in [0, 1], got {quantile}")
    if probabilities.ndim != 2 or len(probabilities) != len(labels):
        raise ValueError(
            f"probabilities must be (N, K) and labels (N,), got {tuple(probabilities.shape)} and {tuple(labels.shape)}"
        )
    k = num_classes or probabilities.shape[1]
    thresholds = torch.zeros(k)
    for c in range(k):
        own = probabilities[labels == c, c]
        if len(own):
            thresholds[c] = torch.quantile(own.float(), quantile)
    return thresholds


def confidence_mask(
    probabilities: torch.Tensor, asked: torch.Tensor, thresholds: torch.Tensor
) -> torch.Tensor:
    """Which generated samples to keep.

    Args:
        probabilities: ``(M, K)`` class probabilities of the classifier on the generated samples.
        asked: ``(M,)`` the classes the generator was asked for.
        thresholds: ``(K,)`` from ``class_thresholds``.

    Returns:
        ``(M,)`` bool: ``probabilities[i, asked[i]] >= thresholds[asked[i]]``.
    """
    if probabilities.ndim != 2 or len(probabilities) != len(asked):
        raise ValueError(
            f"probabilities must be (M, K) and asked (M,), got {tuple(probabilities.shape)} and {tuple(asked.shape)}"
        )
    own = probabilities.gather(1, asked.long().view(-1, 1)).flatten()
    return own >= thresholds.to(own)[asked.long()]


def confidence_filter(
    samples: torch.Tensor, asked: torch.Tensor, probabilities: torch.Tensor, thresholds: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The generated samples (and their asked-for labels) that pass ``confidence_mask``.

    Args:
        samples: ``(M, ...)`` generated samples.
        asked: ``(M,)`` the classes they were generated for.
        probabilities: ``(M, K)`` the classifier's class probabilities for them.
        thresholds: ``(K,)`` per-class thresholds (``class_thresholds`` on the real training split).

    Returns:
        ``(kept samples (M', ...), their labels (M',))`` in the original order.
    """
    keep = confidence_mask(probabilities, asked, thresholds)
    return samples[keep], asked[keep]
