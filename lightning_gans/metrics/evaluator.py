"""One evaluation protocol for a data set: which metrics, which feature network, which real split, how many samples.

Used by the ``Evaluation`` callback during training, by ``lightning-gans evaluate`` and by
``benchmarks/quality.py``, so the three report the same numbers for the same generator.

The data decide (``data_spec``), whatever the data module's class:

- ``toy`` (the library's ``ring8``/``grid25``): ``modes``, ``hq``, ``reverse_kl`` of 2,500 samples (PacGAN
  protocol), and the vector metrics below against ``num_samples`` fresh draws of the mixture.
- ``vectors`` (any data module whose samples are 1-D vectors: 2-D points, tabular rows, also one the library does
  not know): ``precision``, ``recall``, ``density``, ``coverage``, ``energy`` in the raw vector space against
  ``num_samples`` samples of the data module's training loader. Never Inception. As many real as generated
  samples, as both k-NN papers compare them: the k-NN radii shrink as a set grows, so unequal sets bias
  recall and coverage (2,500 generated vs 10,000 real ring8 draws: coverage 0.66; vs 2,500: 0.97).
- ``digits``: FID/KID, ``precision``/``recall``/``density``/``coverage`` and ``memorization`` in the digits
  network's features against the digits **train** split (1,437 images), and the class histogram of the samples:
  ``class_kl`` (KL to uniform), ``classes``. ``memorization`` compares the samples' nearest-training-image
  distances with those of the test split (360 images). The real baseline is ``real_baseline()``: the same
  metrics of the test split against the train split.
- ``images`` (any other image data module): Inception FID/KID, ``precision``/``recall``/``density``/``coverage``
  (optionally IS) against ``num_real`` images of the data module's training loader. The Inception weights must be
  on the machine: the ``Evaluator`` checks that when it is built (see ``metrics.image.inception_weights_path``).

On request (``metrics: [..., ppl]``), digits only: ``ppl`` and ``ppl_std``, the perceptual path length in the digits
network's features (``lightning_gans.metrics.path_length``) over ``num_samples`` latent pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from lightning_gans.errors import ConfigError
from lightning_gans.metrics.image import ImageMetrics, inception_weights_path
from lightning_gans.metrics.manifold import MANIFOLD_METRICS
from lightning_gans.metrics.modes import mode_coverage
from lightning_gans.metrics.vectors import VECTOR_METRICS, VectorMetrics

TOY_METRICS = ("modes", "hq", "reverse_kl")
LATENT_METRICS = ("ppl",)
"""Metrics of the generator's latent space rather than of a sample set (computed by ``path_length``)."""
DEFAULT_METRICS = {
    "toy": [*TOY_METRICS, *VECTOR_METRICS],
    "vectors": list(VECTOR_METRICS),
    "digits": ["fid", "kid", *MANIFOLD_METRICS, "memorization", "class_kl", "classes"],
    "images": ["fid", "kid", *MANIFOLD_METRICS],
}
ALLOWED_METRICS = {
    "toy": (*TOY_METRICS, *VECTOR_METRICS),
    "vectors": VECTOR_METRICS,
    "digits": ("fid", "kid", "is", "class_kl", "classes", *MANIFOLD_METRICS, "memorization", *LATENT_METRICS),
    # memorization needs a held-out split the Evaluator does not know for an arbitrary image data module
    "images": ("fid", "kid", "is", "class_kl", "classes", *MANIFOLD_METRICS),
}


AUTO_FEATURES = {"MNIST5kDataModule": "mnist5k"}
"""Image data sets (``DataSpec.name``) with a shipped feature network of their own (``metrics/weights``)."""


@dataclass
class DataSpec:
    """What the real data are: ``kind`` ``toy``/``vectors``/``digits``/``images``, a ``name`` and, for images,
    the size."""

    kind: str
    name: str
    image_size: int | None = None
    real_samples: Callable[[int], torch.Tensor] | None = field(default=None, repr=False)
    """For ``vectors`` and ``images``: ``n -> (n, *sample_shape)`` real samples (images in [-1, 1]) from the data
    module's train loader."""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "image_size": self.image_size}


def data_spec(datamodule, model=None) -> DataSpec:
    """What ``datamodule`` holds: the library's toys and digits by class, anything else by its sample shape
    (1-D: ``vectors``; otherwise ``images``), read from ``datamodule.data_shape``, else the model's
    ``generator.data_shape``, else one batch of the train loader."""
    from lightning_gans.data.digits import DigitsDataModule
    from lightning_gans.data.toy2d import Toy2DDataModule

    if isinstance(datamodule, Toy2DDataModule):
        return DataSpec("toy", datamodule.name)
    if isinstance(datamodule, DigitsDataModule):
        return DataSpec("digits", "digits", datamodule.image_size)
    shape = sample_shape(datamodule, model)
    real = lambda n: loader_images(datamodule, n)
    if len(shape) == 1:
        return DataSpec("vectors", type(datamodule).__name__, real_samples=real)
    return DataSpec("images", type(datamodule).__name__, int(shape[-1]), real_samples=real)


def sample_shape(datamodule, model=None) -> tuple[int, ...]:
    """The shape of one sample of ``datamodule`` (no batch dimension)."""
    for owner in (datamodule, getattr(model, "generator", None)):
        shape = getattr(owner, "data_shape", None)
        if shape is not None:
            return tuple(int(d) for d in shape)
    return tuple(loader_images(datamodule, 1).shape[1:])


def loader_images(datamodule, n: int) -> torch.Tensor:
    """The first ``n`` samples (images or vectors) of ``datamodule.train_dataloader()`` (labels dropped)."""
    from lightning_gans.data.batch import real_samples

    batches, have = [], 0
    # a shuffling loader draws its order from the global RNG: seed it here and leave training's stream alone
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        for batch in datamodule.train_dataloader():
            images = real_samples(batch).detach().cpu()
            batches.append(images)
            have += images.shape[0]
            if have >= n:
                break
    if not batches:
        raise ValueError(
            f"{type(datamodule).__name__} gave no training samples to compute real statistics from"
        )
    return torch.cat(batches)[:n]


class Evaluator:
    """Computes the protocol's metrics for a generator; real statistics are computed once and reused.

    Args:
        spec: the data (``data_spec(datamodule)``).
        metrics: metric names (default per kind: see ``DEFAULT_METRICS``).
        feature_network: ``"auto"`` (the digits network for digits, the MNIST-5k network for
            ``MNIST5kDataModule``, Inception for other images, none for vectors), ``"inception"``, ``"digits"``,
            ``"mnist5k"``.
        num_samples: generated samples per evaluation (2,500 in the PacGAN protocol; >= 2,048 for a meaningful FID).
        num_real: real images for ``images`` data (digits always use the whole split; vectors use ``num_samples``
            real samples, see the module docstring).
        real_split: digits split the samples are compared with: ``"train"`` (default) or ``"test"``.
        inception_weights, antialias, inception_feature_dim: see ``ImageMetrics``.
        batch_size: samples generated and scored at a time.
        seed: seed of the generator's noise, so evaluations of one model are repeatable; the training RNG
            stream is left untouched.

    Raises:
        ConfigError: metrics or a feature network that do not apply to the data.
        MissingWeightsError: Inception is needed and its weights are not on this machine (checked here, so a
            training run fails at start-up, not at its first evaluation).
    """

    def __init__(
        self,
        spec: DataSpec,
        metrics: Sequence[str] | None = None,
        feature_network: str = "auto",
        num_samples: int = 2500,
        num_real: int = 10000,
        real_split: str = "train",
        inception_weights: str | Path | None = None,
        antialias: bool = False,
        inception_feature_dim: int = 2048,
        batch_size: int = 250,
        seed: int = 0,
    ) -> None:
        if spec.kind not in DEFAULT_METRICS:
            raise ValueError(f"unknown data kind {spec.kind!r}")
        self.spec = spec
        self.metric_names = list(metrics) if metrics else list(DEFAULT_METRICS[spec.kind])
        self._check_metrics()
        if real_split not in ("train", "test"):
            raise ValueError(f"real_split must be 'train' or 'test', got {real_split!r}")
        if self.is_vectors:
            if feature_network not in ("auto", "none"):
                raise ConfigError(
                    f"{spec.name} holds vectors: its metrics use the raw vectors, not the {feature_network} "
                    "network (leave feature_network at auto)"
                )
            feature_network = "none"
        elif feature_network == "auto":
            feature_network = AUTO_FEATURES.get(spec.name, "digits" if spec.kind == "digits" else "inception")
        if feature_network == "inception":
            inception_weights = inception_weights_path(inception_weights)  # fails now, not after training
        self.feature_network = feature_network
        self.num_samples = num_samples
        self.num_real = num_real
        self.real_split = real_split
        self.batch_size = batch_size
        self.seed = seed
        self._image_kwargs = dict(
            inception_weights=inception_weights,
            antialias=antialias,
            inception_feature_dim=inception_feature_dim,
            batch_size=batch_size,
            seed=seed,
        )
        self.image_metrics: ImageMetrics | None = None
        self.vector_metrics: VectorMetrics | None = None
        self._classifier = None  # the digits network, loaded on the first ppl
        self.num_real_used = 0

    @property
    def sample_metric_names(self) -> list[str]:
        """The requested metrics of the generated sample set (all but ``LATENT_METRICS``)."""
        return [m for m in self.metric_names if m not in LATENT_METRICS]

    @property
    def is_vectors(self) -> bool:
        return self.spec.kind in ("toy", "vectors")

    def _check_metrics(self) -> None:
        allowed = ALLOWED_METRICS[self.spec.kind]
        bad = sorted(set(self.metric_names) - set(allowed))
        if bad:
            if set(bad) & set(TOY_METRICS):
                hint = "modes/hq/reverse_kl only apply to the library's 2-D toys (ring8, grid25)"
            elif "memorization" in bad:
                hint = "memorization needs a held-out split: the digits have one"
            elif set(bad) & set(LATENT_METRICS):
                hint = "ppl is measured in the digits network's features: it applies to the digits only"
            else:
                hint = f"choose from {list(allowed)}"
            raise ConfigError(f"metrics {bad} do not apply to {self.spec.name} ({self.spec.kind}): {hint}")

    # ----------------------------------------------------------------------------------------- protocol
    def real_description(self) -> str:
        if self.spec.kind == "toy":
            return (
                f"{self.spec.name} mode centres (PacGAN protocol: hq = within 3 std of the nearest mode); "
                f"{self.num_samples} fresh draws for the vector metrics"
            )
        if self.spec.kind == "digits":
            text = f"digits {self.real_split} split ({self.num_real_used or '?'} images, {self.spec.image_size}x{self.spec.image_size})"
            if "memorization" in self.metric_names:
                text += "; memorization: nearest train image vs the test split's"
            return text
        what = "vectors" if self.spec.kind == "vectors" else "images"
        return f"{self.num_real_used or self.num_real} training {what} of {self.spec.name}"

    def protocol(self) -> dict[str, str]:
        """The facts a reader needs beside the numbers."""
        if self.is_vectors:
            features = "none (raw vectors; precision/recall k=3, density/coverage k=5)"
        elif self.image_metrics is not None:
            features = self.image_metrics.describe()
        else:
            features = self.feature_network
        return {
            "data": self.spec.name,
            "metrics": ", ".join(self.metric_names),
            "feature network": features,
            "generated samples": f"{self.num_samples} (noise seed {self.seed}, eval mode / EMA weights if any)",
            "real reference": self.real_description(),
        }

    # ------------------------------------------------------------------------------------------ metrics
    def _real_images(self) -> torch.Tensor:
        if self.spec.kind == "digits":
            from lightning_gans.data.digits import load_digits_split

            return load_digits_split(self.spec.image_size or 32)[self.real_split]
        if self.spec.real_samples is None:
            raise ValueError("no real images for this data")
        return self.spec.real_samples(self.num_real)

    def _real_vectors(self) -> torch.Tensor:
        """``(num_samples, D)`` real vectors: seeded fresh draws for the toys, the train loader's otherwise."""
        if self.spec.kind == "toy":
            from lightning_gans.data.toy2d import sample_toy

            generator = torch.Generator().manual_seed(self.seed)
            return sample_toy(self.spec.name, self.num_samples, generator=generator)
        if self.spec.real_samples is None:
            raise ValueError("no real vectors for this data")
        return self.spec.real_samples(self.num_samples)

    def _ensure_vector_metrics(self) -> VectorMetrics | None:
        names = [name for name in self.metric_names if name in VECTOR_METRICS]
        if names and self.vector_metrics is None:
            self.vector_metrics = VectorMetrics(names)
            real = self._real_vectors()
            self.vector_metrics.set_real(real)
            self.num_real_used = real.shape[0]
        return self.vector_metrics

    def _ensure_image_metrics(self, device: torch.device) -> ImageMetrics:
        if self.image_metrics is None:
            self.image_metrics = ImageMetrics(
                self.feature_network, self.sample_metric_names, **self._image_kwargs
            )
            self.image_metrics.to(device)
            real = self._real_images()
            self.image_metrics.update_real(real)
            self.num_real_used = real.shape[0]
            if "memorization" in self.metric_names:
                from lightning_gans.data.digits import load_digits_split

                split = load_digits_split(self.spec.image_size or 32)
                self.image_metrics.set_memorization_reference(split["train"], split["test"])
        elif self.image_metrics.device != device:
            self.image_metrics.to(device)
        return self.image_metrics

    def image_metrics_of(
        self, images: torch.Tensor | Sequence[torch.Tensor], device="cpu"
    ) -> dict[str, float]:
        """The image metrics of given images (e.g. the digits test split for the real baseline)."""
        metrics = self._ensure_image_metrics(torch.device(device))
        metrics.reset()
        metrics.update_fake(images)
        result = metrics.compute()
        metrics.reset()
        return result

    def real_baseline(self) -> dict[str, float]:
        """Digits only: the metrics of the split not used as reference (test vs train by default)."""
        if self.spec.kind != "digits":
            raise ValueError("the real baseline is defined for the digits")
        from lightning_gans.data.digits import load_digits_split

        other = "test" if self.real_split == "train" else "train"
        return self.image_metrics_of(load_digits_split(self.spec.image_size or 32)[other])

    @torch.no_grad()
    def generate(self, model, n: int) -> list[torch.Tensor]:
        """``n`` samples of ``model.sample`` in batches, from seeded noise, leaving the global RNG as it was."""
        device = model.device
        devices = [device.index or 0] if device.type == "cuda" else []
        batches = []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(self.seed)
            for start in range(0, n, self.batch_size):
                batches.append(model.sample(min(self.batch_size, n - start)))
        return batches

    @torch.no_grad()
    def evaluate(self, model) -> dict[str, float]:
        """The metrics of ``num_samples`` samples of ``model`` (a ``GAN``: uses ``model.sample``)."""
        batches = self.generate(model, self.num_samples)
        if self.is_vectors:
            return self.vector_metrics_of(torch.cat(batches))
        result = {}
        if self.sample_metric_names:
            metrics = self._ensure_image_metrics(model.device)
            metrics.reset()
            metrics.update_fake(batches)
            result = metrics.compute()
            metrics.reset()
        if "ppl" in self.metric_names:
            result |= self.path_length(model)
        return result

    def path_length(self, model) -> dict[str, float]:
        """``{"ppl", "ppl_std"}`` of ``model`` over ``num_samples`` latent pairs (seeded like the samples)."""
        from lightning_gans.metrics.digits_net import load_digits_classifier
        from lightning_gans.metrics.path_length import path_length

        if self._classifier is None:
            self._classifier = load_digits_classifier(map_location=model.device)
        return path_length(
            model,
            self._classifier.to(model.device),
            self.num_samples,
            batch_size=self.batch_size,
            seed=self.seed,
        )

    def vector_metrics_of(self, samples: torch.Tensor) -> dict[str, float]:
        """The metrics of ``(M, D)`` vectors, in ``metric_names`` order (toys: mode metrics too)."""
        samples = samples.detach().cpu()
        results: dict[str, float] = {}
        if self.spec.kind == "toy" and set(TOY_METRICS) & set(self.metric_names):
            from lightning_gans.data.toy2d import toy_modes

            modes, std = toy_modes(self.spec.name)
            results.update(mode_coverage(samples, modes, std))
        vector_metrics = self._ensure_vector_metrics()
        if vector_metrics is not None:
            results.update(vector_metrics.compute(samples))
        return {name: results[name] for name in self.metric_names}


def format_metrics(metrics: dict[str, float]) -> str:
    """``fid=12.3 kid=0.0012 ...`` with sensible precision."""
    parts = []
    for key, value in metrics.items():
        if isinstance(value, int):
            parts.append(f"{key}={value}")
        elif abs(value) >= 100 or value == 0:
            parts.append(f"{key}={value:.1f}")
        else:
            parts.append(f"{key}={value:.4g}")
    return " ".join(parts)
