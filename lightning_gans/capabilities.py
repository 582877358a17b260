"""What a model can do, as ``typing.Protocol``s that tools and callbacks check (instead of ``hasattr`` on method
names scattered through them).

    if not isinstance(model, HasCodes):
        raise ConfigError("traverse needs a model with latent codes (InfoGAN) ...")

Each Protocol is ``runtime_checkable``: ``isinstance`` checks that the methods exist, so a user's own module that
has them works with the tools without subclassing anything of this library.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch


@runtime_checkable
class Samples(Protocol):
    """Generates data: ``sample(n) -> (n, *data_shape)`` (every GAN family)."""

    def sample(
        self, n: int | None = None, z: torch.Tensor | None = None, ema: bool = True, labels=None
    ) -> torch.Tensor: ...


@runtime_checkable
class HasCodes(Protocol):
    """Has interpretable latent codes: ``sample_with_codes(z, codes)`` and ``code_vector`` (InfoGAN)."""

    def sample_with_codes(self, z: torch.Tensor, codes: torch.Tensor, ema: bool = True) -> torch.Tensor: ...

    def code_vector(self, categories, continuous) -> torch.Tensor: ...


@runtime_checkable
class Clusters(Protocol):
    """Assigns real data to clusters: ``predict_cluster(x) -> (N,)`` (InfoGAN's categorical code)."""

    def predict_cluster(self, x: torch.Tensor, code: int = 0, batch_size: int = 512) -> torch.Tensor: ...


@runtime_checkable
class Encodes(Protocol):
    """Maps data to the latent space and back: ``encode(x) -> (N, latent_dim)``, ``reconstruct(x)`` (BiGAN,
    the izi_f encoder)."""

    def encode(self, x: torch.Tensor) -> torch.Tensor: ...

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor: ...


@runtime_checkable
class ScoresAnomalies(Protocol):
    """Scores samples as anomalous: ``anomaly_score(x) -> (N,)``, higher = more anomalous (BiGAN, izi_f)."""

    def anomaly_score(self, x: torch.Tensor) -> torch.Tensor: ...


@runtime_checkable
class Translates(Protocol):
    """Maps images of one domain to another: ``translate(x, direction) -> images`` (the translation family,
    next: CycleGAN, pix2pix)."""

    def translate(self, x: torch.Tensor, direction: str = "a2b") -> torch.Tensor: ...


@runtime_checkable
class Discriminates(Protocol):
    """Has a discriminator that scores single samples: ``discriminator(*real_inputs)`` with the inputs of
    ``discriminator_inputs(x, labels, fake, latent)`` (every z -> x GAN family). Rejection sampling
    (``lightning_gans.sampling``) needs it; translation models and plain generators lack it."""

    discriminator: torch.nn.Module

    def discriminator_inputs(self, real, labels, fake, latent) -> tuple[tuple, tuple]: ...

    def sample(self, n=None, z=None, ema: bool = True, labels=None) -> torch.Tensor: ...
