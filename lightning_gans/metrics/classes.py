"""Class metrics of generated samples, scored by the shipped digits classifier (or any classifier).

- ``conditional_accuracy``: a conditional model asked for class c, how often does the classifier see c?
- ``per_class_fid``: the digits-network FID of each class's samples against that class's real images.
- ``class_proportions`` / ``proportion_gap``: an unconditional model's generated class histogram against the
  training proportions (does the GAN drop the minority classes of imbalanced data?).
"""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def predict_classes(classifier: nn.Module, images: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    """``(N,)`` predicted classes of ``(N, C, H, W)`` images in [-1, 1] (classifier on the images' device)."""
    return torch.cat([classifier(chunk).argmax(1) for chunk in images.split(batch_size)])


@torch.no_grad()
def conditional_accuracy(
    model, classifier: nn.Module, per_class: int = 100, seed: int = 0, batch_size: int = 500
) -> dict[str, float | list[float]]:
    """Generates ``per_class`` samples of every class and scores the classifier's agreement with the request.

    Noise is seeded (``seed``) and the global RNG left as it was.

    Args:
        model: a conditional ``GAN`` (``num_classes`` set).
        classifier: ``(N, C, H, W)`` images in [-1, 1] -> ``(N, K)`` logits, e.g. ``load_digits_classifier()``.

    Returns:
        ``{"accuracy": mean over all samples, "per_class": [accuracy of class 0, ...], "worst": min of those}``.
    """
    num_classes = getattr(model, "num_classes", None)
    if num_classes is None:
        raise ValueError(
            "conditional_accuracy needs a conditional model (num_classes); use class_proportions"
        )
    device = model.device
    classifier = classifier.to(device)
    labels = torch.arange(num_classes, device=device).repeat_interleave(per_class)
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        z = model.sample_noise(len(labels))
    predicted = torch.cat(
        [
            predict_classes(classifier, model.sample(z=zc, labels=yc), batch_size)
            for zc, yc in zip(z.split(batch_size), labels.split(batch_size), strict=True)
        ]
    )
    correct = (predicted == labels).float().view(num_classes, per_class).mean(1)
    return {"accuracy": correct.mean().item(), "per_class": correct.tolist(), "worst": correct.min().item()}


@torch.no_grad()
def per_class_fid(
    model, real: torch.Tensor, real_labels: torch.Tensor, per_class: int = 500, seed: int = 0
) -> list[float]:
    """Digits-network FID of ``per_class`` samples of each class against the real images of that class.

    With about 144 real images per class (the digits train split) the figures are noisy and biased upwards
    (FID's small-sample bias): compare models on the same real set and ``per_class``, not with whole-set FIDs.

    Args:
        model: a conditional ``GAN`` making digit images.
        real: ``(N, 1, H, W)`` real images in [-1, 1]; ``real_labels``: their ``(N,)`` classes.

    Returns:
        ``[fid of class 0, ...]``.
    """
    from lightning_gans.metrics.image import DigitsFeatures, ImageMetrics

    features = DigitsFeatures().to(model.device)
    devices = [model.device.index or 0] if model.device.type == "cuda" else []
    result = []
    for c in range(model.num_classes):
        metrics = ImageMetrics(features, ["fid"]).to(model.device)
        metrics.update_real(real[real_labels == c])
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed + c)
            metrics.update_fake(model.sample(per_class, labels=c))
        result.append(metrics.compute()["fid"])
    return result


def class_proportions(predicted: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``(K,)`` fraction of each class among ``(N,)`` predicted (or true) classes."""
    counts = torch.bincount(predicted.flatten().long().cpu(), minlength=num_classes).float()
    return counts / counts.sum().clamp(min=1)


def proportion_gap(generated: torch.Tensor, reference: torch.Tensor) -> float:
    """Total variation distance ``0.5 * sum |p - q|`` between two ``(K,)`` class proportions (0 = same)."""
    return 0.5 * (generated - reference).abs().sum().item()
