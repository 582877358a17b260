"""DCGAN (Radford et al., 2016): convolutional generator and discriminator with batch norm."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from torch import nn

from lightning_gans.errors import ConfigError
from lightning_gans.modules.base import (
    GAN,
    OptimizerCallable,
    SchedulerCallable,
    given_or_default,
    latent_dim_of,
)
from lightning_gans.nets import DCGANDiscriminator, DCGANGenerator, ProjectionDCGANDiscriminator
from lightning_gans.nets.packing import packed_input_shape


def image_shape(data_shape: Sequence[int]) -> tuple[int, int]:
    """``(channels, size)`` of a square ``[C, H, W]`` shape, or a ValueError naming the fix."""
    if len(data_shape) != 3 or data_shape[1] != data_shape[2] or data_shape[0] not in (1, 3):
        raise ConfigError(
            f"data_shape must be [channels, size, size] with 1 or 3 channels, got {list(data_shape)}; "
            "e.g. [1, 32, 32] for digits/MNIST or [3, 64, 64] for CelebA."
        )
    return int(data_shape[0]), int(data_shape[1])


class DCGAN(GAN):
    """DCGAN with the paper's recipe: N(0, 0.02) weights, batch norm, LeakyReLU(0.2) in D, Adam(2e-4, 0.5).

    Args:
        data_shape: ``[channels, size, size]``, channels 1 or 3, size a power of two >= 16.
        latent_dim: size of the noise vector (100 in the paper).
        generator_width: feature maps of the generator's last hidden layer (64 in the paper).
        discriminator_width: feature maps of the discriminator's first layer (64 in the paper).
        generator: replaces the default generator.
        discriminator: replaces the default discriminator.
        d_steps, generator_optimizer, discriminator_optimizer: see ``GAN``.
        ema_decay: on (0.999) by default: samples come from the generator's weight average (see ``GAN``).
        generator_clip_val, discriminator_clip_val, gradient_clip_algorithm: see ``GAN``.
        on_nonfinite, generator_scheduler, discriminator_scheduler: see ``GAN``.
        num_classes, fake_labels, ac_weight: class conditioning (see ``GAN``): ``num_classes: K`` builds a
            generator with conditional batch norm and a projection discriminator (with an ACGAN class head when
            ``ac_weight`` > 0).
        pack: m > 1 packs m samples per discriminator input (PacGAN; see ``GAN``): the default discriminator is
            a ``DCGANDiscriminator`` with ``m * channels`` input channels (``m * (channels + K)`` when
            conditional: each sample's one-hot label as constant planes, no projection).
    """

    def __init__(
        self,
        data_shape: Sequence[int] = (1, 32, 32),
        latent_dim: int = 100,
        generator_width: int = 64,
        discriminator_width: int = 64,
        generator: nn.Module | None = None,
        discriminator: nn.Module | None = None,
        d_steps: int = 1,
        generator_optimizer: OptimizerCallable | None = None,
        discriminator_optimizer: OptimizerCallable | None = None,
        ema_decay: float = 0.999,
        generator_clip_val: float | None = None,
        discriminator_clip_val: float | None = None,
        gradient_clip_algorithm: Literal["norm", "value"] = "norm",
        on_nonfinite: Literal["stop", "skip", "off"] = "stop",
        generator_scheduler: SchedulerCallable | None = None,
        discriminator_scheduler: SchedulerCallable | None = None,
        num_classes: int | None = None,
        fake_labels: Literal["uniform", "data"] = "uniform",
        ac_weight: float = 0.0,
        pack: int = 1,
    ) -> None:
        channels, size = image_shape(data_shape)
        d_channels = packed_input_shape(data_shape, pack, num_classes)[0]
        super().__init__(
            generator=given_or_default(
                generator, lambda: DCGANGenerator(latent_dim, size, channels, generator_width, num_classes)
            ),
            discriminator=given_or_default(
                discriminator,
                lambda: (
                    DCGANDiscriminator(size, d_channels, discriminator_width, norm="batch")
                    if num_classes is None or pack > 1
                    else ProjectionDCGANDiscriminator(
                        size,
                        channels,
                        discriminator_width,
                        "batch",
                        num_classes,
                        aux_classifier=ac_weight > 0,
                    )
                ),
            ),
            d_steps=d_steps,
            generator_optimizer=generator_optimizer,
            discriminator_optimizer=discriminator_optimizer,
            latent_dim=latent_dim_of(generator, latent_dim),
            ema_decay=ema_decay,
            generator_clip_val=generator_clip_val,
            discriminator_clip_val=discriminator_clip_val,
            gradient_clip_algorithm=gradient_clip_algorithm,
            on_nonfinite=on_nonfinite,
            generator_scheduler=generator_scheduler,
            discriminator_scheduler=discriminator_scheduler,
            num_classes=num_classes,
            fake_labels=fake_labels,
            ac_weight=ac_weight,
            pack=pack,
        )
