"""Vanilla GAN (Goodfellow et al., 2014): MLP generator and discriminator, BCE on logits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
from torch import nn
from typing_extensions import override

from lightning_gans import losses
from lightning_gans.modules.base import (
    GAN,
    OptimizerCallable,
    SchedulerCallable,
    given_or_default,
    latent_dim_of,
)
from lightning_gans.nets import MLPDiscriminator, MLPGenerator, ProjectionMLPDiscriminator
from lightning_gans.nets.packing import packed_input_shape


class VanillaGAN(GAN):
    """The original GAN with MLP networks, for 2-D points or flattened images.

    Args:
        data_shape: shape of one sample: ``[2]`` for the 2-D toys, ``[1, 32, 32]`` for digit images.
        latent_dim: size of the noise vector.
        hidden_dims: hidden widths of both MLPs.
        generator_loss_type: ``"nonsaturating"`` (maximise log D(G(z)), the default) or ``"minimax"``
            (minimise log(1 - D(G(z))), the original formulation, which saturates early in training).
        generator: replaces the default MLP generator.
        discriminator: replaces the default MLP discriminator.
        d_steps, generator_optimizer, discriminator_optimizer: see ``GAN``.
        ema_decay: off by default; see ``GAN``.
        generator_clip_val, discriminator_clip_val, gradient_clip_algorithm: see ``GAN``.
        on_nonfinite, generator_scheduler, discriminator_scheduler: see ``GAN``.
        num_classes, fake_labels, ac_weight: class conditioning (see ``GAN``): ``num_classes: K`` builds a
            generator with conditional batch norm and a projection discriminator (with an ACGAN class head when
            ``ac_weight`` > 0).
        pack: m > 1 packs m samples per discriminator input (PacGAN; see ``GAN``): the default discriminator is
            an ``MLPDiscriminator`` of input ``packed_input_shape(data_shape, m, num_classes)`` (conditional: each
            sample's one-hot label goes into the pack, no projection).
    """

    def __init__(
        self,
        data_shape: Sequence[int] = (2,),
        latent_dim: int = 16,
        hidden_dims: Sequence[int] = (256, 256, 256),
        generator_loss_type: Literal["nonsaturating", "minimax"] = "nonsaturating",
        generator: nn.Module | None = None,
        discriminator: nn.Module | None = None,
        d_steps: int = 1,
        generator_optimizer: OptimizerCallable | None = None,
        discriminator_optimizer: OptimizerCallable | None = None,
        ema_decay: float = 0.0,
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
        if generator_loss_type not in ("nonsaturating", "minimax"):
            raise ValueError(
                f"generator_loss_type must be 'nonsaturating' or 'minimax', got {generator_loss_type!r}"
            )
        is_image = len(data_shape) > 1
        super().__init__(
            generator=given_or_default(
                generator,
                lambda: MLPGenerator(
                    latent_dim,
                    data_shape,
                    hidden_dims,
                    "tanh" if is_image else "none",
                    num_classes=num_classes,
                ),
            ),
            discriminator=given_or_default(
                discriminator,
                lambda: (
                    MLPDiscriminator(packed_input_shape(data_shape, pack, num_classes), hidden_dims)
                    if num_classes is None or pack > 1
                    else ProjectionMLPDiscriminator(
                        data_shape, hidden_dims, num_classes, aux_classifier=ac_weight > 0
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
        self.generator_loss_type = generator_loss_type

    @override
    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        if self.generator_loss_type == "minimax":
            return losses.minimax_generator_loss(fake_logits)
        return losses.nonsaturating_generator_loss(fake_logits)
