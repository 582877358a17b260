"""Vanilla GAN (Goodfellow et al., 2014): MLP generator and discriminator, BCE on logits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
from torch import nn
from typing_extensions import override

from lightning_gans import losses
from lightning_gans.errors import ConfigError
from lightning_gans.modules.gan import GAN
from lightning_gans.modules.recipes import (
    default_discriminator,
    default_generator,
    given_or_default,
    latent_dim_of,
)


class VanillaGAN(GAN):
    """The original GAN with MLP networks, for 2-D points, table rows or flattened images.

    Args:
        data_shape: shape of one sample: ``[2]`` for the 2-D toys, ``[1, 32, 32]`` for digit images.
        latent_dim: size of the noise vector.
        hidden_dims: hidden widths of both MLPs.
        generator_loss_type: ``"nonsaturating"`` (maximise log D(G(z)), the default) or ``"minimax"``
            (minimise log(1 - D(G(z))), the original formulation, which saturates early in training).
        generator: replaces the default MLP generator.
        discriminator: replaces the default MLP discriminator.
        num_classes: K builds a generator with conditional batch norm and a projection discriminator (with an
            ACGAN class head when ``ac_weight`` > 0); see ``GAN``.
        ac_weight: the ACGAN class-loss weight; see ``GAN``.
        pack: m > 1 packs m samples per discriminator input (PacGAN; see ``GAN``): the default discriminator is
            an ``MLPDiscriminator`` of input ``packed_input_shape(data_shape, m, num_classes)``.
        **kwargs: every other option of ``GAN``: d_steps, generator_optimizer, discriminator_optimizer,
            ema_decay (off by default), generator_clip_val, discriminator_clip_val, gradient_clip_algorithm,
            on_nonfinite, generator_scheduler, discriminator_scheduler, fake_labels.
    """

    def __init__(
        self,
        data_shape: Sequence[int] = (2,),
        latent_dim: int = 16,
        hidden_dims: Sequence[int] = (256, 256, 256),
        generator_loss_type: Literal["nonsaturating", "minimax"] = "nonsaturating",
        generator: nn.Module | None = None,
        discriminator: nn.Module | None = None,
        num_classes: int | None = None,
        ac_weight: float = 0.0,
        pack: int = 1,
        **kwargs,
    ) -> None:
        if generator_loss_type not in ("nonsaturating", "minimax"):
            raise ConfigError(
                f"generator_loss_type must be 'nonsaturating' or 'minimax', got {generator_loss_type!r}"
            )
        super().__init__(
            generator=given_or_default(
                generator,
                lambda: default_generator(
                    "mlp", latent_dim, data_shape, hidden_dims, num_classes=num_classes
                ),
            ),
            discriminator=given_or_default(
                discriminator,
                lambda: default_discriminator(
                    "mlp", data_shape, hidden_dims, num_classes=num_classes, ac_weight=ac_weight, pack=pack
                ),
            ),
            latent_dim=latent_dim_of(generator, latent_dim),
            num_classes=num_classes,
            ac_weight=ac_weight,
            pack=pack,
            **kwargs,
        )
        self.generator_loss_type = generator_loss_type

    @override
    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        if self.generator_loss_type == "minimax":
            return losses.minimax_generator_loss(fake_logits)
        return losses.nonsaturating_generator_loss(fake_logits)
