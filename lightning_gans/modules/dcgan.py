"""DCGAN (Radford et al., 2016): convolutional generator and discriminator with batch norm."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from lightning_gans.modules.gan import GAN
from lightning_gans.modules.recipes import (
    default_discriminator,
    default_generator,
    given_or_default,
    image_shape,
    latent_dim_of,
)


class DCGAN(GAN):
    """DCGAN with the paper's recipe: N(0, 0.02) weights, batch norm, LeakyReLU(0.2) in D, Adam(2e-4, 0.5).

    Args:
        data_shape: ``[channels, size, size]``, channels 1 or 3, size a power of two >= 8.
        latent_dim: size of the noise vector (100 in the paper).
        generator_width: feature maps of the generator's last hidden layer (64 in the paper).
        discriminator_width: feature maps of the discriminator's first layer (64 in the paper).
        generator: replaces the default generator.
        discriminator: replaces the default discriminator.
        ema_decay: on (0.999) by default: samples come from the generator's weight average (see ``GAN``).
        num_classes: K builds a generator with conditional batch norm and a projection discriminator (with an
            ACGAN class head when ``ac_weight`` > 0); see ``GAN``.
        ac_weight: the ACGAN class-loss weight; see ``GAN``.
        pack: m > 1 packs m samples per discriminator input (PacGAN; see ``GAN``): the default discriminator is
            a ``DCGANDiscriminator`` with ``m * channels`` input channels (``m * (channels + K)`` when
            conditional: each sample's one-hot label as constant planes, no projection).
        **kwargs: every other option of ``GAN``: d_steps, generator_optimizer, discriminator_optimizer,
            generator_clip_val, discriminator_clip_val, gradient_clip_algorithm, on_nonfinite,
            generator_scheduler, discriminator_scheduler, fake_labels.
    """

    def __init__(
        self,
        data_shape: Sequence[int] = (1, 32, 32),
        latent_dim: int = 100,
        generator_width: int = 64,
        discriminator_width: int = 64,
        generator: nn.Module | None = None,
        discriminator: nn.Module | None = None,
        ema_decay: float = 0.999,
        num_classes: int | None = None,
        ac_weight: float = 0.0,
        pack: int = 1,
        **kwargs,
    ) -> None:
        image_shape(data_shape)  # refuses a non-image shape before anything is built
        super().__init__(
            generator=given_or_default(
                generator,
                lambda: default_generator(
                    "conv", latent_dim, data_shape, width=generator_width, num_classes=num_classes
                ),
            ),
            discriminator=given_or_default(
                discriminator,
                lambda: default_discriminator(
                    "conv",
                    data_shape,
                    width=discriminator_width,
                    norm="batch",
                    num_classes=num_classes,
                    ac_weight=ac_weight,
                    pack=pack,
                ),
            ),
            latent_dim=latent_dim_of(generator, latent_dim),
            ema_decay=ema_decay,
            num_classes=num_classes,
            ac_weight=ac_weight,
            pack=pack,
            **kwargs,
        )
