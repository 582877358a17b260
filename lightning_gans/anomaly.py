"""Anomaly scores, thresholds and detection metrics on top of encoders and discriminators.

Scores are per sample, higher = more anomalous:

- ``izif_score``: f-AnoGAN (Schlegl et al. 2019): ``mean((x - G(E(x)))^2) + kappa * mean((f_D(x) - f_D(G(E(x))))^2)``,
  the same expression the izi_f encoder is trained on (means over pixels and features, as the authors' code's
  ``MSELoss``).
- ``bigan_score``: EGBAD (Zenati et al. 2018): ``(1 - w) * ||x - G(E(x))||_1 + w * ||f_D(x, E(x)) - f_D(G(E(x)),
  E(x))||_1`` (L1 norms summed over each sample, w = 0.1, the feature-matching variant of the authors' code).
- ``discriminator_score``: the baseline that needs no encoder: ``-D(x)``, the discriminator's logit negated.
- ``knn_score``: mean Euclidean distance to the k nearest normal training samples in a feature space;
  ``critic_knn_score`` takes that space from a trained discriminator's ``features`` (f-AnoGAN's ``f_D``):
  the neighbour rule of the classical k-NN detector (ADBench's strongest family), on learned features.

A threshold is a quantile of the scores of held-out *normal* data (never of the test split); modules keep it
in an ``anomaly_threshold`` buffer, so it is saved in checkpoints (``lightning_gans.modules.detector``).
"""

from __future__ import annotations

import torch
from torchmetrics.functional.classification import (
    binary_auroc,
    binary_average_precision,
    binary_f1_score,
)

from lightning_gans.capabilities import ScoresAnomalies
from lightning_gans.errors import ConfigError


def _per_sample(t: torch.Tensor) -> torch.Tensor:
    return t.flatten(1)


def izif_score(
    x: torch.Tensor, x_rec: torch.Tensor, f_x: torch.Tensor, f_rec: torch.Tensor, kappa: float = 1.0
) -> torch.Tensor:
    """f-AnoGAN's izi_f score (and training loss, before the batch mean).

    Args:
        x: ``(N, *data_shape)`` inputs.
        x_rec: ``(N, *data_shape)`` their reconstructions ``G(E(x))``.
        f_x: ``(N, F)`` discriminator features of ``x``.
        f_rec: ``(N, F)`` discriminator features of ``x_rec``.
        kappa: weight of the feature term (1 in the paper).

    Returns:
        ``(N,)`` scores.
    """
    image_term = (_per_sample(x) - _per_sample(x_rec)).pow(2).mean(1)
    feature_term = (_per_sample(f_x) - _per_sample(f_rec)).pow(2).mean(1)
    return image_term + kappa * feature_term


def bigan_score(
    x: torch.Tensor, x_rec: torch.Tensor, f_x: torch.Tensor, f_rec: torch.Tensor, weight: float = 0.1
) -> torch.Tensor:
    """The BiGAN/EGBAD score ``(1 - w) * ||x - x_rec||_1 + w * ||f_x - f_rec||_1``, per sample.

    Args:
        x, x_rec: ``(N, *data_shape)`` inputs and reconstructions ``G(E(x))``.
        f_x, f_rec: ``(N, F)`` joint-discriminator features of ``(x, E(x))`` and ``(G(E(x)), E(x))``.
        weight: w, the feature-matching weight (0.1 in EGBAD).

    Returns:
        ``(N,)`` scores.
    """
    residual = (_per_sample(x) - _per_sample(x_rec)).abs().sum(1)
    feature = (_per_sample(f_x) - _per_sample(f_rec)).abs().sum(1)
    return (1 - weight) * residual + weight * feature


def discriminator_score(logits: torch.Tensor) -> torch.Tensor:
    """``(N,)`` discriminator logits (or critic values) -> ``(N,)`` scores ``-logits``: D calls normal data real,
    so a low output is an anomaly."""
    return -logits.flatten()


def knn_score(reference: torch.Tensor, queries: torch.Tensor, k: int = 5, chunk: int = 1024) -> torch.Tensor:
    """Mean Euclidean distance of each query to its ``k`` nearest reference points (pyod's ``KNN``, method
    "mean", in any feature space).

    Args:
        reference: ``(M, F)`` features of normal training samples.
        queries: ``(N, F)`` features to score (not among ``reference``: no self-match is removed).
        k: neighbours; clipped to ``M``.
        chunk: queries per distance block (memory ``chunk * M``).

    Returns:
        ``(N,)`` float64 scores, higher = farther from the normal data.
    """
    if reference.shape[0] == 0:
        raise ConfigError("no normal training samples to measure neighbour distances to.")
    k = max(1, min(k, reference.shape[0]))
    reference = reference.detach().double().flatten(1)
    blocks = [
        torch.cdist(q, reference).topk(k, dim=1, largest=False).values.mean(1)
        for q in queries.detach().double().flatten(1).split(chunk)
    ]
    return torch.cat(blocks) if blocks else torch.zeros(0, dtype=torch.float64)


@torch.no_grad()
def critic_features(discriminator: torch.nn.Module, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    """``(N, *data_shape)`` -> ``(N, F)`` ``discriminator.features`` (its last hidden layer, ``f_D``) in eval
    mode, on the CPU."""
    was_training = discriminator.training
    discriminator.eval()
    device = next(discriminator.parameters()).device
    try:
        parts = [discriminator.features(b.to(device)).flatten(1).cpu() for b in x.split(batch_size)]
    finally:
        discriminator.train(was_training)
    return torch.cat(parts)


def critic_knn_score(
    discriminator: torch.nn.Module, normal_train: torch.Tensor, x: torch.Tensor, k: int = 5
) -> torch.Tensor:
    """``(N, *data_shape)`` -> ``(N,)``: ``knn_score`` in the discriminator's feature space, the reference being
    the ``(M, *data_shape)`` normal samples it was trained on. Plain Euclidean distances on unscaled ``f_D``,
    the metric f-AnoGAN's feature term already uses on it; a score of one model, so it needs no encoder nor G."""
    return knn_score(critic_features(discriminator, normal_train), critic_features(discriminator, x), k)


def threshold_from_normal(scores: torch.Tensor, quantile: float = 0.95) -> torch.Tensor:
    """The ``quantile`` of ``(M,)`` scores of held-out normal samples: about ``1 - quantile`` of normal data is
    flagged above it. Returns a 0-dim float tensor."""
    if not 0.0 < quantile < 1.0:
        raise ConfigError(f"threshold quantile must be in (0, 1), e.g. 0.95, got {quantile}.")
    if scores.numel() == 0:
        raise ConfigError(
            "no held-out normal scores to set a threshold from (the validation split is empty)."
        )
    return torch.quantile(scores.detach().double().flatten(), quantile).float()


def flag(scores: torch.Tensor, threshold: torch.Tensor | float) -> torch.Tensor:
    """``(N,)`` bool: score strictly above the threshold."""
    threshold = torch.as_tensor(threshold, dtype=scores.dtype, device=scores.device)
    if torch.isnan(threshold):
        raise ConfigError(
            "this model has no anomaly threshold yet: train it with held-out normal data (a validation split), "
            "or pass one (score --threshold VALUE)."
        )
    return scores > threshold


def order_preserving_unit(scores: torch.Tensor) -> torch.Tensor:
    """``(N,)`` scores -> ``(N,)`` dense ranks scaled to [0, 1] (ties stay ties, order kept).

    torchmetrics' binary metrics take any float outside [0, 1] for a logit and apply a sigmoid, which in float32
    turns every score above ~17 into 1.0: the BiGAN's L1 scores (about 100 on 16x16 digits) all tied and gave an
    AUROC of exactly 0.5. AUROC and AUPRC depend only on the order, which ranks keep.
    """
    _, dense_rank = torch.unique(scores, sorted=True, return_inverse=True)
    return dense_rank.float() / max(int(dense_rank.max()), 1)


def detection_metrics(
    scores: torch.Tensor, is_anomaly: torch.Tensor, threshold: torch.Tensor | float | None = None
) -> dict[str, torch.Tensor]:
    """AUROC and AUPRC (average precision) of ``(N,)`` scores against ``(N,)`` 0/1 labels (1 = anomaly), and F1
    of the flags at ``threshold`` when it is given and set (torchmetrics' binary metrics)."""
    target = is_anomaly.long().flatten()
    scores = scores.float().flatten()
    ranks = order_preserving_unit(scores)
    metrics = {
        "auroc": binary_auroc(ranks, target, thresholds=None),
        "auprc": binary_average_precision(ranks, target, thresholds=None),
    }
    if threshold is not None and not torch.isnan(torch.as_tensor(threshold)):
        metrics["f1"] = binary_f1_score(flag(scores, threshold).long(), target)
    return metrics


@torch.no_grad()
def score_samples(model, x: torch.Tensor) -> torch.Tensor:
    """``(N, *data_shape)`` -> ``(N,)`` scores of any trained model: its own ``anomaly_score`` (BiGAN,
    ``IZIfEncoder``), else the discriminator-only baseline for a plain GAN (discriminator in eval mode)."""
    if isinstance(model, ScoresAnomalies):
        return model.anomaly_score(x)
    if getattr(model, "num_classes", None) is not None:
        raise ConfigError("the discriminator-only score needs an unconditional GAN; this one is conditional.")
    if getattr(model, "pack", 1) > 1:
        raise ConfigError(
            f"the discriminator-only score needs one output per sample; this GAN's discriminator judges packs of "
            f"{model.pack} samples (pack {model.pack}). Score with a model trained with pack: 1."
        )
    discriminator = model.discriminator
    was_training = discriminator.training
    discriminator.eval()
    try:
        output = discriminator(x.to(model.device))
    finally:
        discriminator.train(was_training)
    return discriminator_score(output[0] if isinstance(output, tuple | list) else output)
