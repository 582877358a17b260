"""Classical generative baselines for the quality benchmark: scikit-learn density models fitted on the same data
as the GANs and sampled through the same ``Evaluator``.

A run name ``<method>/<data>`` (``gmm25/grid25``, ``kde/ring8``, ``gmm40/digits``) is fitted by ``fit``:

- ``gmm<K>``: ``GaussianMixture(K, covariance_type="full")``, ``random_state`` = the benchmark seed.
- ``kde``: ``KernelDensity`` (Gaussian) with the bandwidth of the highest held-out log-likelihood (5-fold
  ``GridSearchCV`` on up to ``KDE_SEARCH`` of the training samples; never the evaluation's data), then fitted on
  all of them.
- ``kde0.05``: the digits ``KernelDensity(bandwidth=0.05)`` of the issue, a near copy of the training images.
- ``<method>+pca<d>`` (``gmm20+pca50/mnist5k``): the method fitted on the first ``d`` principal components of the
  training samples (``PCA(d)``, fitted on them too); its samples are mapped back to pixels.

Toys: fitted on ``TOY_TRAIN`` seeded draws of the mixture (PacGAN trains on 100,000 fixed draws; 20,000 is plenty
for 2-D and keeps the KDE grid search short). Digits: fitted on the 8x8 training split in [-1, 1] (64 pixels,
the data's own resolution); samples are clamped to [-1, 1] and enlarged to 32x32 with the bilinear resize
``load_digits_split`` applies to the real images, so they meet the digits network exactly as the data do.
MNIST-5k: fitted on its 4,000 training digits at 28x28 in [-1, 1] (784 pixels; PCA first keeps full
covariances affordable); samples are clamped to [-1, 1] and kept at 28x28 like the data.
"""

from __future__ import annotations

import re
import time

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KernelDensity

TOY_TRAIN = 20_000
KDE_SEARCH = 4_000
METHOD = re.compile(r"^(gmm(\d+)|kde|kde[\d.]+)(\+pca(\d+))?$")


def is_classical(run: str) -> bool:
    """True for ``<method>/<data>`` runs this module fits (``gmm10/digits``, ``kde/ring8``)."""
    return bool(METHOD.match(run.split("/")[0]))


class ClassicalSampler:
    """A fitted scikit-learn density model with what ``Evaluator.evaluate`` asks of a model: ``sample(n)`` and
    ``device``.

    Args:
        estimator: a fitted ``GaussianMixture`` or ``KernelDensity`` over flattened samples.
        shape: the shape of one fitted sample, e.g. ``(2,)`` or ``(1, 8, 8)``.
        image_size: enlarge image samples to this size (bilinear, as the digits data); None = as fitted.
        seed: seeds the sampler's own ``RandomState``, which advances from call to call (scikit-learn's
            ``sample`` with an int ``random_state`` would repeat the same draws in every batch).
        pca: a fitted ``PCA`` the estimator's space came from (its samples are mapped back), or None.
    """

    device = torch.device("cpu")

    def __init__(
        self, estimator, shape: tuple[int, ...], image_size: int | None = None, seed: int = 0, pca=None
    ):
        self.estimator = estimator
        self.pca = pca
        self.shape = tuple(shape)
        self.image_size = image_size
        self.random_state = np.random.RandomState(seed)

    def sample(self, n: int) -> torch.Tensor:
        """``(n, *shape)`` samples (images: ``(n, 1, image_size, image_size)`` in [-1, 1])."""
        if isinstance(self.estimator, GaussianMixture):
            self.estimator.random_state = self.random_state
            flat = self.estimator.sample(n)[0]
            flat = flat[
                self.random_state.permutation(n)
            ]  # GaussianMixture returns its draws grouped by component
        else:
            flat = self.estimator.sample(n, random_state=self.random_state)
        if self.pca is not None:
            flat = self.pca.inverse_transform(flat)
        samples = torch.as_tensor(flat, dtype=torch.float32).view(n, *self.shape)
        if len(self.shape) == 3:
            samples = samples.clamp(-1, 1)
            if self.image_size is not None and self.image_size != self.shape[-1]:
                size = (self.image_size, self.image_size)
                samples = F.interpolate(samples, size=size, mode="bilinear", align_corners=False)
        return samples


def training_data(data: str, seed: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """``(N, D)`` training samples of ``data`` (``ring8``, ``grid25``, ``digits``, ``mnist5k``) and one sample's
    shape."""
    if data == "mnist5k":
        from lightning_gans.data.mnist5k import load_mnist5k_split

        train = load_mnist5k_split(28)["train"]
        return train.flatten(1).double().numpy(), tuple(train.shape[1:])
    if data == "digits":
        from lightning_gans.data.digits import load_digits_split

        train = load_digits_split(8)["train"]
        return train.flatten(1).double().numpy(), tuple(train.shape[1:])
    from lightning_gans.data.toy2d import sample_toy

    generator = torch.Generator().manual_seed(10_000 + seed)  # not the evaluation's draws (seed 1234)
    return sample_toy(data, TOY_TRAIN, generator=generator).double().numpy(), (2,)


def make_estimator(method: str, x: np.ndarray, seed: int):
    """Fits ``method`` (``gmm<K>``, ``kde``, ``kde<bandwidth>``) on ``(N, D)`` samples ``x``."""
    match = METHOD.match(method)
    if match is None:
        raise ValueError(f"unknown classical method {method!r}: gmm<K>, kde or kde<bandwidth>")
    if match.group(4):
        raise ValueError(f"{method!r}: fit() applies the +pca part; make_estimator takes the method alone")
    if match.group(2):
        return GaussianMixture(int(match.group(2)), covariance_type="full", random_state=seed).fit(x)
    if method != "kde":
        return KernelDensity(bandwidth=float(method[3:])).fit(x)
    # the search scores every held-out point against every training point: on at most KDE_SEARCH samples
    bandwidths = np.logspace(-3, 0.5, 15) * x.std(0).mean()
    subset = x[np.random.default_rng(seed).permutation(len(x))[:KDE_SEARCH]]
    search = GridSearchCV(KernelDensity(), {"bandwidth": bandwidths}, cv=5).fit(subset)
    return KernelDensity(bandwidth=search.best_params_["bandwidth"]).fit(x)


def fit(run: str, seed: int) -> tuple[ClassicalSampler, float]:
    """The sampler of ``run`` (``<method>/<data>``) fitted with ``seed``, and the fitting seconds."""
    method, data = run.split("/")
    x, shape = training_data(data, seed)
    start = time.perf_counter()
    method, _, components = method.partition("+pca")
    pca = None
    if components:
        from sklearn.decomposition import PCA

        pca = PCA(int(components), random_state=seed).fit(x)
        x = pca.transform(x)
    estimator = make_estimator(method, x, seed)
    seconds = time.perf_counter() - start
    return ClassicalSampler(estimator, shape, 32 if data == "digits" else None, seed, pca), seconds


def describe(estimator) -> str:
    """One line for the report: the fitted settings a reader needs (the chosen bandwidth)."""
    if isinstance(estimator, KernelDensity):
        return f"bandwidth {estimator.bandwidth:.4g}"
    return f"{estimator.n_components} components, converged {estimator.converged_}"
