"""Translation metrics on fixed real test images: what ``Evaluation`` logs for CycleGAN and pix2pix.

For each direction the model translates (CycleGAN: ``a2b`` and ``b2a``; pix2pix: ``a2b``), with the source
domain's test images translated and compared with the target domain's test images:

- ``fid_<dir>``: FID of the translations against the target images, in the chosen feature network (for the
  embedded digit domains, the shipped network of the target domain: ``digits`` for the scikit-learn digits,
  ``mnist5k`` for MNIST-5k and the MNIST-M-style digits; Inception otherwise);
- ``class_preserved_<dir>``: when the data carry the source's labels (``A_label``, so ``a2b`` only) and the
  feature network is a digit classifier, the share of translations it reads as their source image's class (the
  protocol of the adaptation papers, with the shipped network as the target classifier);
- ``l1_<dir>``: for paired data (``B[i]`` is ``A[i]``'s counterpart), the mean absolute difference of the
  translation and its true counterpart, in [-1, 1] units.

Nothing here is used to choose anything: these are monitoring numbers, on the test split because translation data
modules have no validation split.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

from lightning_gans.metrics.digits_net import WEIGHTS_FILES
from lightning_gans.metrics.image import ImageMetrics


def collect_pairs(batches: Iterable[dict], limit: int) -> dict[str, torch.Tensor]:
    """The first ``limit`` items of translation batches (``{"A": (B, C_a, H, W), "B": ..., ["A_label"]}``),
    concatenated per key: ``{"A": (N, C_a, H, W), "B": (N, C_b, H, W), ["A_label": (N,)]}``."""
    parts: dict[str, list[torch.Tensor]] = {}
    count = 0
    for batch in batches:
        for key in ("A", "B", "A_label"):
            if key in batch:
                parts.setdefault(key, []).append(batch[key][: limit - count])
        count += len(parts["A"][-1])
        if count >= limit:
            break
    if not parts:
        raise ValueError(
            "no test batches to evaluate the translation on (the data module's test split is empty)"
        )
    return {key: torch.cat(values) for key, values in parts.items()}


class TranslationMetrics:
    """FID / class preserved / L1 of a translation model on fixed real pairs (module docstring).

    Args:
        feature_network: ``"digits"``, ``"mnist5k"`` (digit classifiers: FID and class preserved) or
            ``"inception"`` (FID only); or one per direction, ``{"a2b": ..., "b2a": ...}`` (the target domain's).
        inception_weights: local torch-fidelity Inception weights file (Inception only).
        batch_size: images translated and scored at a time.
    """

    def __init__(
        self,
        feature_network: str | dict[str, str] = "digits",
        inception_weights: str | None = None,
        batch_size: int = 250,
    ) -> None:
        self.feature_network = feature_network
        self.inception_weights = inception_weights
        self.batch_size = batch_size
        self._metrics: dict[str, ImageMetrics] = {}  # per direction, real statistics computed once

    def network(self, direction: str) -> str:
        """The feature network that scores translations in ``direction``."""
        if isinstance(self.feature_network, str):
            return self.feature_network
        return self.feature_network[direction]

    def _image_metrics(self, direction: str, target: torch.Tensor) -> ImageMetrics:
        if direction not in self._metrics:
            metrics = ImageMetrics(
                self.network(direction),
                ["fid"],
                inception_weights=self.inception_weights,
                batch_size=self.batch_size,
            )
            metrics.update_real(target)
            self._metrics[direction] = metrics
        return self._metrics[direction]

    @torch.no_grad()
    def evaluate(self, model, data: dict[str, torch.Tensor], paired: bool = False) -> dict[str, float]:
        """``{metric_dir: value}`` for ``model`` (anything with ``translate(x, direction)``) on ``data``
        (``collect_pairs``'s output); ``paired``: ``data["B"][i]`` is ``data["A"][i]``'s true counterpart."""
        results: dict[str, float] = {}
        for direction in getattr(model, "directions", ("a2b",)):
            source, target = (data["A"], data["B"]) if direction == "a2b" else (data["B"], data["A"])
            translated = torch.cat(
                [
                    model.translate(chunk, direction).clamp(-1, 1).cpu()
                    for chunk in source.split(self.batch_size)
                ]
            )
            metrics = self._image_metrics(direction, target)
            metrics.reset()
            metrics.update_fake(translated)
            results[f"fid_{direction}"] = float(metrics.compute()["fid"])
            if direction == "a2b" and "A_label" in data and self.network(direction) in WEIGHTS_FILES:
                logits = torch.cat(
                    [
                        metrics.features(chunk.to(metrics.device))[1].cpu()
                        for chunk in translated.split(self.batch_size)
                    ]
                )
                results["class_preserved_a2b"] = float((logits.argmax(1) == data["A_label"]).float().mean())
            if direction == "a2b" and paired:
                results["l1_a2b"] = float((translated - target).abs().mean())
        return results
