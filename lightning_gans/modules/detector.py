"""What every anomaly detector module shares: a stored threshold, set on held-out normal data, and test metrics.

A module mixes in ``AnomalyDetector`` and implements ``anomaly_score(x) -> (N,)``. Then:

- validation batches are **held-out normal** samples (the one-class data modules' ``val_dataloader``); at the end
  of each validation epoch the ``threshold_quantile`` of their scores becomes ``anomaly_threshold``, a buffer, so
  it is saved in the checkpoint and comes back with ``torch.load(weights_only=True)``;
- test batches are ``(x, is_anomaly)`` (the whole test split, 1 = anomaly); ``lightning-gans test`` logs
  ``test/auroc``, ``test/auprc`` and ``test/f1`` (F1 of the flags at the stored threshold).

Selection and thresholds use the validation split only, never the test split (GANomaly's published numbers pick
the epoch on the test set; docs/DESIGN.md).
"""

from __future__ import annotations

import torch

from lightning_gans import anomaly
from lightning_gans.data.batch import split_batch


class AnomalyDetector:
    """Mixin for LightningModules with ``anomaly_score(x)``; call ``init_detector(quantile)`` in ``__init__``."""

    def init_detector(self, threshold_quantile: float = 0.95) -> None:
        """Registers the ``anomaly_threshold`` buffer (NaN = not set yet)."""
        if not 0.0 < threshold_quantile < 1.0:
            anomaly.threshold_from_normal(torch.zeros(1), threshold_quantile)  # raises the ConfigError
        self.threshold_quantile = threshold_quantile
        self.register_buffer("anomaly_threshold", torch.tensor(float("nan")))
        self._detector_scores: list[torch.Tensor] = []
        self._detector_labels: list[torch.Tensor] = []

    def anomaly_score(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N,)`` scores, higher = more anomalous."""
        raise NotImplementedError

    def flag(self, scores: torch.Tensor) -> torch.Tensor:
        """``(N,)`` bool: scores above the stored threshold."""
        return anomaly.flag(scores, self.anomaly_threshold)

    @torch.no_grad()
    def fit_threshold(self, normal: torch.Tensor) -> torch.Tensor:
        """Sets ``anomaly_threshold`` from ``(M, *data_shape)`` held-out normal samples; returns it."""
        self.anomaly_threshold.copy_(
            anomaly.threshold_from_normal(self.anomaly_score(normal), self.threshold_quantile)
        )
        return self.anomaly_threshold

    # Lightning hooks -------------------------------------------------------------------------------------
    def on_validation_epoch_start(self) -> None:
        self._detector_scores = []

    def validation_step(self, batch, batch_idx: int) -> None:
        x, _ = split_batch(batch)
        self._detector_scores.append(self.anomaly_score(x).detach())

    def on_validation_epoch_end(self) -> None:
        if (
            not self._detector_scores or self.trainer.sanity_checking
        ):  # an untrained model's threshold is noise
            return
        scores = self.all_gather(torch.cat(self._detector_scores)).flatten()
        self.anomaly_threshold.copy_(anomaly.threshold_from_normal(scores, self.threshold_quantile))
        self.log_dict({"val/score_mean": scores.mean(), "val/threshold": self.anomaly_threshold.clone()})
        self._detector_scores = []

    def on_test_epoch_start(self) -> None:
        self._detector_scores, self._detector_labels = [], []

    def test_step(self, batch, batch_idx: int) -> None:
        x, is_anomaly = split_batch(batch)
        self._detector_scores.append(self.anomaly_score(x).detach())
        self._detector_labels.append(is_anomaly.detach())

    def on_test_epoch_end(self) -> None:
        scores = self.all_gather(torch.cat(self._detector_scores)).flatten()
        labels = self.all_gather(torch.cat(self._detector_labels)).flatten()
        metrics = anomaly.detection_metrics(scores, labels, self.anomaly_threshold)
        self.log_dict({f"test/{k}": v for k, v in metrics.items()})
