"""BiGAN / ALI (Donahue et al. 2017; Dumoulin et al. 2017): a generator G: z -> x and an encoder E: x -> z
trained together against a joint discriminator D(x, z) that tells ``(x, E(x))`` from ``(G(z), z)``.

Built on the base loop's family hooks (docs/DESIGN.md, "One loop for every family"): ``discriminator_inputs``
pairs data with codes, ``phase_parameters("generator")`` = G + E, ``generator_sees_real`` lets the generator
phase run D on ``(x, E(x))``, and ``auxiliary_losses`` adds the encoder's adversarial term there. At the
optimum E inverts G, which gives ``encode``, ``reconstruct`` and the EGBAD anomaly score
(``lightning_gans.anomaly.bigan_score``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
from torch import nn
from typing_extensions import override

from lightning_gans import anomaly, losses
from lightning_gans.errors import ConfigError
from lightning_gans.modules.detector import AnomalyDetector
from lightning_gans.modules.gan import GAN
from lightning_gans.modules.latent import Latent
from lightning_gans.modules.recipes import given_or_default, image_shape, latent_dim_of
from lightning_gans.nets import (
    DCGANEncoder,
    DCGANGenerator,
    DCGANJointDiscriminator,
    MLPEncoder,
    MLPGenerator,
    MLPJointDiscriminator,
)


class BiGAN(AnomalyDetector, GAN):
    """BiGAN with BCE losses; ``encode(x)``, ``reconstruct(x)`` and ``anomaly_score(x)`` after training.

    Args:
        data_shape: ``[D]`` for vectors (MLP networks) or ``[C, S, S]`` for images (DCGAN-style networks).
        latent_dim: size of the noise / code.
        architecture: ``"auto"`` (MLP for 1-D shapes, conv for images), ``"mlp"`` or ``"conv"``.
        hidden_dims: MLP hidden widths (G, E and D's x path).
        generator_width, encoder_width, discriminator_width: conv widths (see ``DCGAN``).
        joint_dim: width of the conv joint discriminator's z path and joint layer.
        dropout: the joint discriminator's dropout.
        score_weight: w of the anomaly score ``(1 - w) * ||x - G(E(x))||_1 + w * feature loss`` (0.1 in EGBAD).
        threshold_quantile: quantile of held-out normal scores that becomes ``anomaly_threshold``.
        generator, encoder, discriminator: replace the default networks (D takes ``(x, z)``; ``features(x, z)``
            is needed for the score's feature term).
        d_steps: see ``GAN``.
        **kwargs: every other option of ``GAN``: generator_optimizer (it trains G and E),
            discriminator_optimizer, ema_decay (off by default: an averaged G would no longer match the not
            averaged E that reconstructions pair it with), generator_clip_val, discriminator_clip_val,
            gradient_clip_algorithm, on_nonfinite, generator_scheduler, discriminator_scheduler. Not
            ``num_classes`` nor ``pack`` > 1 (refused: see ``conditioning_refusal``, ``packing_refusal``).
    """

    generator_sees_real = True
    conditioning_refusal = "its encoder and joint discriminator pair data with codes, not with class labels."
    packing_refusal = (
        "its encoder is trained through the discriminator's verdict on each (x, E(x)) pair, and a packed "
        "discriminator gives one verdict per pack."
    )

    def __init__(
        self,
        data_shape: Sequence[int] = (2,),
        latent_dim: int = 16,
        architecture: Literal["auto", "mlp", "conv"] = "auto",
        hidden_dims: Sequence[int] = (256, 256),
        generator_width: int = 64,
        encoder_width: int = 64,
        discriminator_width: int = 64,
        joint_dim: int = 512,
        dropout: float = 0.2,
        score_weight: float = 0.1,
        threshold_quantile: float = 0.95,
        generator: nn.Module | None = None,
        encoder: nn.Module | None = None,
        discriminator: nn.Module | None = None,
        d_steps: int = 1,
        **kwargs,
    ) -> None:
        if architecture == "auto":
            architecture = "mlp" if len(data_shape) == 1 else "conv"
        latent_dim = latent_dim_of(generator, latent_dim)
        if architecture == "mlp":
            out = "tanh" if len(data_shape) > 1 else "none"
            default_g = lambda: MLPGenerator(latent_dim, data_shape, hidden_dims, out)
            default_e = lambda: MLPEncoder(data_shape, latent_dim, hidden_dims)
            default_d = lambda: MLPJointDiscriminator(data_shape, latent_dim, hidden_dims, dropout)
        elif architecture == "conv":
            channels, size = image_shape(data_shape)
            default_g = lambda: DCGANGenerator(latent_dim, size, channels, generator_width)
            default_e = lambda: DCGANEncoder(latent_dim, size, channels, encoder_width)
            default_d = lambda: DCGANJointDiscriminator(
                latent_dim, size, channels, discriminator_width, hidden_dim=joint_dim, dropout=dropout
            )
        else:
            raise ConfigError(f"architecture must be 'auto', 'mlp' or 'conv', got {architecture!r}")
        if not 0.0 <= score_weight <= 1.0:
            raise ConfigError(f"score_weight must be in [0, 1] (0.1 in EGBAD), got {score_weight}.")
        encoder = given_or_default(encoder, default_e)
        super().__init__(
            generator=given_or_default(generator, default_g),
            discriminator=given_or_default(discriminator, default_d),
            d_steps=d_steps,
            latent_dim=latent_dim,
            **kwargs,
        )
        self.encoder = encoder
        self.score_weight = score_weight
        self.init_detector(threshold_quantile)

    # ------------------------------------------------------------------------------------ family hooks
    @override
    def discriminator_inputs(
        self, real: torch.Tensor, labels: torch.Tensor | None, fake: torch.Tensor, latent: Latent
    ) -> tuple[tuple, tuple]:
        # In the D phase E runs inside D's toggle (its parameters frozen), in the G phase inside G's: E is
        # trained by the generator optimizer only.
        return (real, self.encoder(real)), (fake, latent.z)

    @override
    def phase_parameters(self, phase: Literal["generator", "discriminator"]) -> list[nn.Parameter]:
        if phase == "generator":
            return [*self.generator.parameters(), *self.encoder.parameters()]
        return list(self.discriminator.parameters())

    @override
    def auxiliary_losses(self, phase, real_output, fake_output, labels, latent) -> dict[str, torch.Tensor]:
        if phase == "discriminator":
            return {}
        # E's adversarial term with the labels flipped (non-saturating): E wants D to call (x, E(x)) fake, as G
        # wants (G(z), z) called real; the base loop adds G's term.
        return {"encoder": losses.nonsaturating_generator_loss(-real_output)}

    # ------------------------------------------------------------------------------------------ inference
    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N, latent_dim)`` codes ``E(x)`` (eval mode)."""
        with _eval(self.encoder):
            return self.encoder(x.to(self.device))

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N, *data_shape)`` reconstructions ``G(E(x))`` (eval mode)."""
        return self.sample(z=self.encode(x))

    @torch.no_grad()
    def anomaly_score(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N,)`` EGBAD scores (``lightning_gans.anomaly.bigan_score``)."""
        x = x.to(self.device)
        z = self.encode(x)
        x_rec = self.sample(z=z)
        with _eval(self.discriminator):
            f_x = self.discriminator.features(x, z)
            f_rec = self.discriminator.features(x_rec, z)
        return anomaly.bigan_score(x, x_rec, f_x, f_rec, self.score_weight)


class _eval:
    """Context manager: ``module`` in eval mode inside, its previous mode restored after."""

    def __init__(self, module: nn.Module) -> None:
        self.module = module

    def __enter__(self) -> nn.Module:
        self.was_training = self.module.training
        return self.module.eval()

    def __exit__(self, *exc) -> None:
        self.module.train(self.was_training)
