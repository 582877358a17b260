"""BAGAN-style balancing GAN (Mariani et al. 2018, "BAGAN: Data Augmentation with Balancing GAN").

BAGAN's idea for a class-imbalanced training set: first train an autoencoder on *all* classes (the minority
classes borrow the features learnt on the majority ones), then start the GAN from it (the generator from the
decoder, the discriminator's trunk from the encoder) and feed the generator class-conditional latents drawn from
one multivariate Gaussian per class, fitted to the encoder's codes of that class. The classes are generated up
to balance afterwards.

Built here as a conditional ``DCGAN`` (the package's conditional networks and training loop), with two
differences from the paper, both taken from what this package already has:

- the decoder (so the generator) is the conditional ``DCGANGenerator`` and also gets the label, as in the
  supervised autoencoder of BAGAN-GP (Huang & Jafari 2021), so the class lives in both the code and the label;
- the discriminator is the projection discriminator with the ACGAN class head (``ac_weight`` > 0: a real/fake
  logit and a K-way class head on the same features) rather than one (K+1)-way softmax (K classes + fake).

Usage (``benchmarks/imbalance.py``'s ``bagan`` arms)::

    model = BAGAN(data_shape=[1, 16, 16], latent_dim=32, num_classes=10, fake_labels="data")
    model.init_from_autoencoder(x, y, steps=1000)     # x (N, 1, 16, 16) in [-1, 1], y (N,)
    Trainer(max_steps=600).fit(model, datamodule)     # the adversarial phase, as for any GAN
    model.sample(labels=torch.tensor([1, 3]))          # (2, 1, 16, 16)
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace

import torch
import torch.nn.functional as F
from torch import nn

from lightning_gans.errors import ConfigError
from lightning_gans.modules.dcgan import DCGAN
from lightning_gans.modules.latent import Latent


class ClassGaussians(nn.Module):
    """One multivariate Gaussian per class over ``dim``-dimensional codes; maps N(0, I) noise into them.

    Buffers: ``mean`` ``(K, dim)`` and ``scale_tril`` ``(K, dim, dim)`` (Cholesky factor of each covariance).
    Unfitted, every class is N(0, I), so the module is the identity on the noise.

    Args:
        num_classes: K.
        dim: size of the codes.
    """

    def __init__(self, num_classes: int, dim: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(num_classes, dim))
        self.register_buffer("scale_tril", torch.eye(dim).repeat(num_classes, 1, 1))

    @torch.no_grad()
    def fit(self, codes: torch.Tensor, labels: torch.Tensor, ridge: float = 0.01) -> ClassGaussians:
        """Fits each class's mean and covariance to ``codes`` ``(N, dim)`` of ``labels`` ``(N,)``.

        ``ridge`` times the class's mean variance is added to the covariance's diagonal: a minority class can
        have fewer images than dimensions (14 digits of a reduced class against 32 dimensions), and its sample
        covariance is then singular. A class with under two codes keeps its mean (if any) and N(0, I) spread.
        """
        for c in range(self.mean.shape[0]):
            members = codes[labels == c].double()
            if len(members) == 0:
                continue
            self.mean[c] = members.mean(0).to(self.mean)
            if len(members) < 2:
                continue
            cov = torch.cov(members.T)
            cov += ridge * cov.diagonal().mean().clamp_min(1e-12) * torch.eye(len(cov), dtype=cov.dtype)
            self.scale_tril[c] = torch.linalg.cholesky(cov).to(self.scale_tril)
        return self

    def forward(self, noise: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """``(N, dim)`` standard normal noise and ``(N,)`` labels -> ``(N, dim)`` codes
        ``mean[y] + scale_tril[y] @ noise``, distributed as the Gaussian of class ``y``."""
        return self.mean[labels] + (self.scale_tril[labels] @ noise.unsqueeze(-1)).squeeze(-1)


def train_autoencoder(
    encoder: nn.Module,
    decoder: nn.Module,
    x: torch.Tensor,
    labels: torch.Tensor,
    steps: int,
    batch_size: int = 64,
    lr: float = 1e-3,
    generator: torch.Generator | None = None,
) -> list[float]:
    """``steps`` Adam steps on the mean squared error of ``decoder(encoder(x), labels)`` against ``x``.

    A plain loop rather than the GAN engine: one network pair, one loss, no adversarial phases. Batches are drawn
    uniformly with replacement from the whole (imbalanced) set, so every class trains the shared features.

    Args:
        encoder: ``(B, *data_shape)`` -> ``(B, latent_dim)``.
        decoder: ``(B, latent_dim)``, ``(B,)`` labels -> ``(B, *data_shape)``.
        x: ``(N, *data_shape)`` training images; labels: ``(N,)``.
        generator: the RNG of the batch draws (None: the global one).

    Returns:
        The loss of every step.
    """
    optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=lr)
    encoder.train()
    decoder.train()
    losses = []
    for _ in range(steps):
        idx = torch.randint(len(x), (min(batch_size, len(x)),), generator=generator)
        loss = F.mse_loss(decoder(encoder(x[idx]), labels[idx]), x[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    return losses


class BAGAN(DCGAN):
    """Conditional DCGAN started from an autoencoder, fed per-class Gaussian latents (see the module docstring).

    The generator's input ``z`` stays ``(N, latent_dim)`` standard normal noise everywhere (training, ``sample``,
    seeded draws); ``generate`` maps it through ``class_gaussians`` to the class's code before the generator, so
    every sampling path of ``GAN`` draws from the fitted Gaussians.

    Args:
        data_shape, latent_dim, generator_width, discriminator_width: as for ``DCGAN``.
        num_classes: K (required: BAGAN is class-conditional).
        ac_weight: the ACGAN class-head weight (1 by default: BAGAN's discriminator classifies).
        ridge: ``ClassGaussians.fit``'s covariance ridge.
        **kwargs: every other option of ``DCGAN`` / ``GAN`` (``fake_labels``, ``ema_decay``, optimizers...), but
            ``pack`` > 1 (refused).
    """

    def __init__(
        self,
        data_shape: Sequence[int] = (1, 32, 32),
        latent_dim: int = 100,
        generator_width: int = 64,
        discriminator_width: int = 64,
        num_classes: int = 10,
        ac_weight: float = 1.0,
        ridge: float = 0.01,
        **kwargs,
    ) -> None:
        if kwargs.get("pack", 1) != 1:
            # the autoencoder's encoder is the discriminator's trunk, which a pack of m samples would not fit
            raise ConfigError(
                "BAGAN does not pack samples (pack must be 1): its discriminator is the encoder's."
            )
        super().__init__(
            data_shape=data_shape,
            latent_dim=latent_dim,
            generator_width=generator_width,
            discriminator_width=discriminator_width,
            num_classes=num_classes,
            ac_weight=ac_weight,
            **kwargs,
        )
        self.ridge = ridge
        self.class_gaussians = ClassGaussians(num_classes, latent_dim)

    def make_encoder(self) -> nn.Sequential:
        """A fresh encoder ``(N, *data_shape)`` -> ``(N, latent_dim)``: a copy of the discriminator's trunk
        (``discriminator.body``, ``(N, F)`` features) and a linear layer to the code, so that the trunk's
        weights can be copied back into the discriminator key for key."""
        body = self.discriminator.body
        features = self.discriminator.linear.in_features
        return nn.Sequential(copy.deepcopy(body), nn.Linear(features, self.latent_dim))

    @torch.no_grad()
    def encode(self, encoder: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N, latent_dim)`` codes in eval mode (batch norm's running statistics)."""
        encoder.eval()
        return torch.cat([encoder(chunk) for chunk in x.split(500)])

    def init_from_autoencoder(
        self, x: torch.Tensor, labels: torch.Tensor, steps: int, batch_size: int = 64, lr: float = 1e-3
    ) -> dict:
        """Trains the autoencoder on ``x`` ``(N, *data_shape)`` in [-1, 1] with ``labels`` ``(N,)`` (all
        classes), then copies the decoder into the generator (and its EMA copy), the encoder's trunk into the
        discriminator's trunk, and fits ``class_gaussians`` to the encoder's codes. Uses the global RNG.

        Returns ``{"encoder", "decoder", "losses", "codes"}``: the trained networks, the per-step losses and the
        ``(N, latent_dim)`` codes the Gaussians were fitted to."""
        encoder = self.make_encoder()
        decoder = copy.deepcopy(self.generator)
        losses = train_autoencoder(encoder, decoder, x, labels, steps, batch_size, lr)
        self.generator.load_state_dict(decoder.state_dict())
        if self.generator_ema is not None:
            self.generator_ema.load_state_dict(decoder.state_dict())
        self.discriminator.body.load_state_dict(encoder[0].state_dict())
        codes = self.encode(encoder, x)
        self.class_gaussians.fit(codes, labels, self.ridge)
        return {"encoder": encoder, "decoder": decoder.eval(), "losses": losses, "codes": codes}

    def generate(self, latent: Latent, generator: nn.Module | None = None) -> torch.Tensor:
        """``(N, *data_shape)`` samples: the noise ``latent.z`` becomes the class's Gaussian code first."""
        code = self.class_gaussians(latent.z, latent.labels)
        return super().generate(replace(latent, z=code), generator)
