"""FID, KID and IS over torchmetrics, with Inception (torch-fidelity's weights) or the digits network as features.

Protocol notes (say them next to every number):

- Inception features are torch-fidelity's InceptionV3 (``inception-v3-compat``, the weights torchmetrics uses),
  read from ``inception_weights``, else ``$LIGHTNING_GANS_INCEPTION_WEIGHTS``, else the torch hub cache where
  torch-fidelity keeps its download (``<torch.hub.get_dir()>/checkpoints/weights-inception-2015-12-05-6726825d.pth``).
  Nothing is downloaded: without the file ``inception_weights_path`` raises a one-line ``MissingWeightsError``,
  which the ``Evaluation`` callback triggers at start-up rather than after hours of training.
- Resize to 299x299: ``antialias=False`` (default) is torch-fidelity's TF1-compatible bilinear resize, so numbers
  match torch-fidelity and the published FIDs; ``antialias=True`` is torchmetrics' default and gives other numbers.
- Images in [-1, 1] are quantised to uint8 (``round((x + 1) * 127.5)``) like saved PNGs; grey images are
  repeated to RGB.
- Features are extracted once per image by this class and handed to torchmetrics' metrics as float64, so FID
  statistics, KID's polynomial-kernel MMD and IS are all computed in float64.
- Real statistics are kept across ``reset()`` (``reset_real_features=False``): compute them once per run.
- ``precision``/``recall``/``density``/``coverage`` (``metrics.manifold``) and ``memorization``
  (``metrics.memorization``) use the same features as FID; they keep every feature, not just FID's moments.
- Digits network: the 64-d penultimate features of ``DigitsClassifier`` (trained on the digits train split) give
  the digits FID/KID; its class predictions give ``classes`` (classes with at least a tenth of the uniform share
  of the samples) and ``class_kl`` = KL(generated class histogram || uniform).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch
from torch import nn
from torchmetrics.image.fid import FrechetInceptionDistance
from torchmetrics.image.inception import InceptionScore
from torchmetrics.image.kid import KernelInceptionDistance

from lightning_gans.errors import MissingWeightsError
from lightning_gans.metrics.digits_net import WEIGHTS_FILES, DigitsClassifier, load_digits_classifier
from lightning_gans.metrics.manifold import DENSITY_COVERAGE_K, MANIFOLD_METRICS, knn_radii, manifold_metrics
from lightning_gans.metrics.memorization import heldout_median_distance, nearest_distances
from lightning_gans.render import to_uint8

INCEPTION_WEIGHTS_ENV = "LIGHTNING_GANS_INCEPTION_WEIGHTS"
"""Environment variable naming a local torch-fidelity Inception weights file (used when no path is passed)."""

INCEPTION_WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"
INCEPTION_WEIGHTS_URL = (
    f"https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/{INCEPTION_WEIGHTS_FILE}"
)

IMAGE_METRICS = ("fid", "kid", "is", "class_kl", "classes", *MANIFOLD_METRICS, "memorization")
CLASS_METRICS = ("class_kl", "classes")
# metrics that need every feature vector (FID and KID keep running sums and their own copies)
FEATURE_SET_METRICS = (*MANIFOLD_METRICS, "memorization")


def cached_inception_weights() -> Path:
    """Where torch-fidelity's ``load_state_dict_from_url`` keeps the downloaded weights (torch hub cache)."""
    return Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_WEIGHTS_FILE


def inception_weights_path(path: str | Path | None = None) -> str:
    """The Inception weights file to use: ``path``, else ``$LIGHTNING_GANS_INCEPTION_WEIGHTS``, else the torch hub
    cache file torch-fidelity would have downloaded.

    Raises:
        MissingWeightsError: (one line, for the CLI) the named file does not exist, or none was named or cached.
    """
    path = path or os.environ.get(INCEPTION_WEIGHTS_ENV) or None
    if path is not None:
        if not Path(path).is_file():
            raise MissingWeightsError(
                f"Inception weights file {path} does not exist; point inception_weights or "
                f"{INCEPTION_WEIGHTS_ENV} at a local copy of {INCEPTION_WEIGHTS_URL}"
            )
        return str(path)
    cached = cached_inception_weights()
    if cached.is_file():
        return str(cached)
    raise MissingWeightsError(
        f"Inception metrics need weights that are not on this machine (none at {cached}): download "
        f"{INCEPTION_WEIGHTS_URL} and set {INCEPTION_WEIGHTS_ENV}=<that file> or Evaluation's inception_weights "
        "(feature_network: digits suits digit images)"
    )


class InceptionFeatures(nn.Module):
    """torch-fidelity's InceptionV3 through torchmetrics' ``NoTrainInceptionV3``.

    ``forward(images)`` takes ``(N, 1 or 3, H, W)`` images (floats in [-1, 1] or uint8) and returns
    ``(features, logits)``: the pool features of size ``feature_dim`` and, when ``with_logits``, the 1008
    unbiased logits IS uses (else None).
    """

    name = "inception"

    def __init__(
        self,
        weights_path: str | Path | None = None,
        antialias: bool = False,
        feature_dim: int = 2048,
        with_logits: bool = False,
    ) -> None:
        super().__init__()
        from torchmetrics.image.fid import NoTrainInceptionV3

        self.weights_path = inception_weights_path(weights_path)
        self.antialias = antialias
        self.num_features = feature_dim
        self.with_logits = with_logits
        layers = [str(feature_dim)] + (["logits_unbiased"] if with_logits else [])
        self.net = NoTrainInceptionV3(
            name="inception-v3-compat",
            features_list=layers,
            feature_extractor_weights_path=self.weights_path,
            antialias=antialias,
        )

    def describe(self) -> str:
        weights = self.weights_path
        resize = (
            "antialiased bilinear (torchmetrics default)" if self.antialias else "torch-fidelity TF1 bilinear"
        )
        return f"InceptionV3 pool{self.num_features} ({weights}; resize to 299: {resize})"

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        images = to_uint8(images)
        if images.shape[1] == 1:
            images = images.expand(-1, 3, -1, -1)
        outputs = self.net._torch_fidelity_forward(images)
        features = outputs[0].reshape(images.shape[0], -1)
        logits = outputs[1].reshape(images.shape[0], -1) if self.with_logits else None
        return features, logits


class DigitsFeatures(nn.Module):
    """A shipped digit network: ``forward(images)`` -> ``((N, 64) features, (N, 10) class logits)``.

    Args:
        weights_path: a weights file (default: the one shipped for ``data``).
        data: ``"digits"`` (the scikit-learn digits' network) or ``"mnist5k"`` (MNIST-5k's).
    """

    def __init__(self, weights_path: str | Path | None = None, data: str = "digits") -> None:
        super().__init__()
        self.net: DigitsClassifier = load_digits_classifier(weights_path, data=data)
        self.num_features = self.net.num_features
        self.weights_path = weights_path
        self.name = data

    def describe(self) -> str:
        return (
            f"{self.name} CNN penultimate {self.num_features}-d features "
            f"(lightning_gans/metrics/weights, {self.weights_path or 'shipped'})"
        )

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if images.dtype == torch.uint8:
            images = images.float() / 127.5 - 1
        self.net.eval()
        features = self.net.features(images)
        return features, self.net.logits_from_features(features)


class _Precomputed(nn.Module):
    """Feature "network" for torchmetrics: the features are computed beforehand; hand them on in float64."""

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.num_features = num_features

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features.double()


def class_histogram_metrics(counts: torch.Tensor) -> dict[str, float]:
    """``classes`` (classes with >= 1/(10K) of the samples) and ``class_kl`` = KL(histogram || uniform)."""
    counts = counts.double()
    k = len(counts)
    p = counts / counts.sum().clamp(min=1)
    nonzero = p > 0
    kl = float((p[nonzero] * (p[nonzero] * k).log()).sum()) if counts.sum() > 0 else math.inf
    return {"classes": int((p >= 0.1 / k).sum()), "class_kl": kl}


class ImageMetrics(nn.Module):
    """FID / KID / IS / class metrics of generated images against fixed real statistics.

    Usage::

        metrics = ImageMetrics("digits", ["fid", "class_kl"])
        metrics.update_real(real_images)  # once per run
        metrics.update_fake(generated)  # in batches
        metrics.compute()  # {"fid": ..., "class_kl": ...}
        metrics.reset()  # forget the generated images, keep the real statistics

    Args:
        feature_network: ``"inception"``, ``"digits"`` or ``"mnist5k"`` (or a module with ``num_features`` whose forward gives
            ``(features, logits)``).
        metrics: names among ``fid``, ``kid`` (also reports ``kid_std``), ``is`` (also ``is_std``), ``class_kl``,
            ``classes`` (these two need class logits: digits network only), ``precision``, ``recall``,
            ``density``, ``coverage``, ``memorization`` (needs ``set_memorization_reference``).
        inception_weights: local Inception weights file (else ``$LIGHTNING_GANS_INCEPTION_WEIGHTS``, else the torch
            hub cache; see ``inception_weights_path``).
        antialias: resize used by Inception (False = torch-fidelity's, see the module docstring).
        inception_feature_dim: Inception layer for FID/KID: 2048 (standard), 768, 192 or 64.
        kid_subsets, kid_subset_size: KID's random subsets (size capped by the sample counts at compute time).
        batch_size: images per feature-network forward.
        seed: seed of the random subsets of KID and splits of IS, so repeated computes agree.
    """

    def __init__(
        self,
        feature_network: str | nn.Module = "inception",
        metrics: Sequence[str] = ("fid", "kid"),
        inception_weights: str | Path | None = None,
        antialias: bool = False,
        inception_feature_dim: int = 2048,
        kid_subsets: int = 100,
        kid_subset_size: int = 1000,
        is_splits: int = 10,
        batch_size: int = 100,
        seed: int = 0,
    ) -> None:
        super().__init__()
        unknown = sorted(set(metrics) - set(IMAGE_METRICS))
        if unknown:
            raise ValueError(f"unknown image metrics {unknown}; choose from {list(IMAGE_METRICS)}")
        self.metric_names = list(dict.fromkeys(metrics))
        if isinstance(feature_network, str):
            if feature_network == "inception":
                feature_network = InceptionFeatures(
                    inception_weights, antialias, inception_feature_dim, with_logits="is" in self.metric_names
                )
            elif feature_network in WEIGHTS_FILES:  # digits, mnist5k
                feature_network = DigitsFeatures(data=feature_network)
            else:
                raise ValueError(
                    f"unknown feature network {feature_network!r}; choose 'inception', "
                    + ", ".join(f"'{name}'" for name in WEIGHTS_FILES)
                )
        if isinstance(feature_network, InceptionFeatures) and set(CLASS_METRICS) & set(self.metric_names):
            raise ValueError(
                "class_kl/classes need the digits network (Inception's ImageNet classes are not digits)"
            )
        self.features = feature_network
        self.batch_size = batch_size
        self.seed = seed
        self.kid_subset_size = kid_subset_size
        common = dict(sync_on_compute=False)  # rank zero evaluates alone, see callbacks.evaluation
        num = feature_network.num_features
        self.fid = (
            FrechetInceptionDistance(_Precomputed(num), reset_real_features=False, **common)
            if "fid" in self.metric_names
            else None
        )
        self.kid = (
            KernelInceptionDistance(
                _Precomputed(num),
                subsets=kid_subsets,
                subset_size=kid_subset_size,
                reset_real_features=False,
                **common,
            )
            if "kid" in self.metric_names
            else None
        )
        self.inception_score = (
            InceptionScore(_Precomputed(0), splits=is_splits, **common) if "is" in self.metric_names else None
        )
        self.register_buffer("class_counts", torch.zeros(10, dtype=torch.long), persistent=False)
        self.num_real = 0
        self.num_fake = 0
        self.keep_features = bool(set(FEATURE_SET_METRICS) & set(self.metric_names))
        self.real_features: list[torch.Tensor] = []  # (n, num_features) per batch, when keep_features
        self.fake_features: list[torch.Tensor] = []
        self._real_radii: torch.Tensor | None = None
        self.train_features: torch.Tensor | None = None  # memorisation reference: (N_train, num_features)
        self.heldout_median: torch.Tensor | None = None

    def describe(self) -> str:
        return (
            self.features.describe() if hasattr(self.features, "describe") else type(self.features).__name__
        )

    @property
    def device(self) -> torch.device:
        return self.class_counts.device

    def _batches(self, images: torch.Tensor | Iterable[torch.Tensor]) -> Iterable[torch.Tensor]:
        if isinstance(images, torch.Tensor):
            yield from images.split(self.batch_size)
        else:
            for batch in images:
                yield from batch.split(self.batch_size)

    @torch.no_grad()
    def update_real(self, images: torch.Tensor | Iterable[torch.Tensor]) -> None:
        """Adds real images (a tensor or an iterable of batches) to the real statistics."""
        for batch in self._batches(images):
            features, _ = self.features(batch.to(self.device))
            if self.fid is not None:
                self.fid.update(features, real=True)
            if self.kid is not None:
                self.kid.update(features, real=True)
            if self.keep_features:
                self.real_features.append(features.double())
                self._real_radii = None
            self.num_real += batch.shape[0]

    @torch.no_grad()
    def features_of(self, images: torch.Tensor | Iterable[torch.Tensor]) -> torch.Tensor:
        """``(N, num_features)`` float64 features of images (a tensor or an iterable of batches)."""
        return torch.cat(
            [self.features(batch.to(self.device))[0].double() for batch in self._batches(images)]
        )

    @torch.no_grad()
    def set_memorization_reference(
        self, train: torch.Tensor | Iterable[torch.Tensor], heldout: torch.Tensor | Iterable[torch.Tensor]
    ) -> None:
        """The training images and held-out real images (never trained on) that ``memorization`` compares with."""
        self.train_features = self.features_of(train)
        self.heldout_median = heldout_median_distance(self.train_features, self.features_of(heldout))

    @torch.no_grad()
    def update_fake(self, images: torch.Tensor | Iterable[torch.Tensor]) -> None:
        """Adds generated images (a tensor or an iterable of batches)."""
        for batch in self._batches(images):
            features, logits = self.features(batch.to(self.device))
            if self.fid is not None:
                self.fid.update(features, real=False)
            if self.kid is not None:
                self.kid.update(features, real=False)
            if self.inception_score is not None:
                self.inception_score.update(logits)
            if set(CLASS_METRICS) & set(self.metric_names):
                self.class_counts += torch.bincount(logits.argmax(1), minlength=10)[:10]
            if self.keep_features:
                self.fake_features.append(features.double())
            self.num_fake += batch.shape[0]

    @torch.no_grad()
    def compute(self) -> dict[str, float]:
        """The requested metrics (floats) of the generated images so far against the real statistics."""
        if self.num_fake < 2 or (self.num_real < 2 and (self.fid is not None or self.kid is not None)):
            raise RuntimeError(
                f"need at least 2 real and 2 generated images (have {self.num_real} and {self.num_fake})"
            )
        results: dict[str, float] = {}
        with torch.random.fork_rng(devices=[]):  # KID subsets and IS splits: seeded, RNG stream untouched
            torch.manual_seed(self.seed)
            if self.fid is not None:
                results["fid"] = float(self.fid.compute())
            if self.kid is not None:
                self.kid.subset_size = min(self.kid_subset_size, self.num_real, self.num_fake)
                mean, std = self.kid.compute()
                results["kid"], results["kid_std"] = float(mean), float(std)
            if self.inception_score is not None:
                mean, std = self.inception_score.compute()
                results["is"], results["is_std"] = float(mean), float(std)
        if set(CLASS_METRICS) & set(self.metric_names):
            classes = class_histogram_metrics(self.class_counts)
            results.update({k: v for k, v in classes.items() if k in self.metric_names})
        if self.keep_features:
            results.update(self._feature_set_metrics(torch.cat(self.fake_features)))
        return results

    def _feature_set_metrics(self, fake: torch.Tensor) -> dict[str, float]:
        """precision/recall/density/coverage against the real features, memorization against train/held-out."""
        results: dict[str, float] = {}
        names = [name for name in MANIFOLD_METRICS if name in self.metric_names]
        if names:
            real = torch.cat(self.real_features)
            if self._real_radii is None and {"density", "coverage"} & set(names):
                self._real_radii = knn_radii(real, DENSITY_COVERAGE_K)  # real set fixed: once per run
            results.update(manifold_metrics(real, fake, names, real_radii=self._real_radii))
        if "memorization" in self.metric_names:
            if self.train_features is None or self.heldout_median is None:
                raise RuntimeError("memorization needs set_memorization_reference(train, heldout) first")
            generated = nearest_distances(fake, self.train_features).median()
            results["memorization"] = float(generated / self.heldout_median)
        return results

    def reset(self) -> None:
        """Forgets the generated images; keeps the real statistics."""
        for metric in (self.fid, self.kid, self.inception_score):
            if metric is not None:
                metric.reset()
        self.class_counts.zero_()
        self.fake_features.clear()
        self.num_fake = 0
