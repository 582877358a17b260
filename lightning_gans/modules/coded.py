"""A z -> x family whose generator input is ``cat(z, codes)``: the latent hooks InfoGAN and ClusterGAN share.

InfoGAN's codes are one-hot categorical codes and continuous codes; ClusterGAN's is one categorical code (the
cluster) and no continuous one. Both draw small or standard noise ``z`` first, then the codes, feed their
concatenation to the generator, and give fixed-noise callers (``SampleGrid``, ``interpolate``) deterministic
codes, so a grid does not change between steps nor consume the training run's random numbers.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from typing_extensions import override

from lightning_gans.modules.gan import GAN
from lightning_gans.modules.latent import Latent
from lightning_gans.mutual_information import draw_codes


class CodedGAN(GAN):
    """``GAN`` with codes in the generator input. A subclass sets ``categorical_codes`` (values of each one-hot
    code), ``continuous_codes`` (their count) and ``noise_std`` (the standard deviation of ``z``)."""

    categorical_codes: tuple[int, ...]
    continuous_codes: int
    noise_std: float

    @override
    def sample_noise(self, n: int) -> torch.Tensor:
        """``(n, latent_dim)`` noise ``N(0, noise_std^2)``."""
        z = torch.randn(n, self.latent_dim, device=self.device)
        return z if self.noise_std == 1.0 else z * self.noise_std

    def draw_codes(self, n: int) -> torch.Tensor:
        """``(n, code_dim)`` codes: uniform one-hot categorical codes, then uniform [-1, 1] continuous codes."""
        return draw_codes(n, self.categorical_codes, self.continuous_codes, self.device)

    @override
    def draw_latent(self, n: int) -> Latent:
        # noise first, as in the base module, so that seeded noise and training agree
        z = self.sample_noise(n)
        return Latent(z, codes=self.draw_codes(n))

    @override
    def generate(self, latent: Latent, generator: nn.Module | None = None) -> torch.Tensor:
        """``(N, *data_shape)`` samples of ``G(cat(z, codes))``."""
        if latent.codes is None:
            raise ValueError(
                f"{type(self).__name__} needs codes to generate: draw the latent with draw_latent(n)"
            )
        net = self.generator if generator is None else generator
        return net(torch.cat([latent.z, latent.codes.to(latent.z)], dim=1))

    @override
    def forward(self, z: torch.Tensor, codes: torch.Tensor | None = None) -> torch.Tensor:
        """``(N, latent_dim)`` noise and ``(N, code_dim)`` codes (drawn when None) -> ``(N, *data_shape)``."""
        return self.generate(Latent(z, codes=self.draw_codes(len(z)) if codes is None else codes))

    @override
    def sampling_latent(self, n=None, z=None, labels=None) -> Latent:
        latent = super().sampling_latent(n, z, labels)
        if latent.codes is None:  # noise given (SampleGrid, interpolate): fixed codes, see cycling_codes
            latent.codes = self.cycling_codes(len(latent))
        return latent

    def cycling_codes(self, n: int) -> torch.Tensor:
        """``(n, code_dim)`` deterministic codes for given noise: sample ``i`` takes value ``i mod K`` of each
        categorical code and 0 for every continuous code."""
        index = torch.arange(n, device=self.device)
        parts = [F.one_hot(index % k, k).float() for k in self.categorical_codes]
        parts.append(torch.zeros(n, self.continuous_codes, device=self.device))
        return torch.cat(parts, dim=1)

    @torch.no_grad()
    def sample_with_codes(self, z: torch.Tensor, codes: torch.Tensor, ema: bool = True) -> torch.Tensor:
        """``(N, *data_shape)`` samples in eval mode from ``(N, latent_dim)`` noise and ``(N, code_dim)`` codes
        (one-hots first, then continuous values; see ``code_vector``)."""
        net = self.sampling_generator if ema else self.generator
        was_training = net.training
        net.eval()
        try:
            return self.generate(Latent(z.to(self.device), codes=codes.to(self.device)), net)
        finally:
            net.train(was_training)
