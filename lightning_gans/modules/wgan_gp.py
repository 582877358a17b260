"""WGAN-GP (Gulrajani et al., 2017): Wasserstein critic with a gradient penalty, several critic steps per G step."""

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
    adam,
    given_or_default,
    latent_dim_of,
    logits_of,
)
from lightning_gans.modules.dcgan import image_shape
from lightning_gans.nets import (
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
    ProjectionDCGANDiscriminator,
    ProjectionMLPDiscriminator,
)
from lightning_gans.nets.packing import packed_input_shape


class WGANGP(GAN):
    """WGAN-GP: critic trained on ``E[D(G(z))] - E[D(x)] + lambda * GP``, generator on ``-E[D(G(z))]``.

    Logs ``train/gp`` (the weighted penalty) and ``train/wasserstein`` (``E[D(x)] - E[D(G(z))]``, the critic's
    estimate of the Wasserstein-1 distance).

    Args:
        data_shape: ``[2]`` for 2-D points (MLP networks) or ``[C, S, S]`` for images (convolutional networks).
        latent_dim: size of the noise vector.
        architecture: ``"auto"`` (MLP for 1-D data shapes, DCGAN-style conv nets for images), ``"mlp"``, ``"conv"``.
        hidden_dims: MLP hidden widths.
        generator_width, critic_width: conv widths (see ``DCGAN``).
        critic_norm: ``"none"`` (the paper's choice with GP) or ``"layer"``; never batch norm.
        gp_weight: lambda, the penalty weight (10 in the paper).
        generator, discriminator: replace the default networks.
        d_steps: critic updates per generator update (5 in the paper).
        generator_optimizer, discriminator_optimizer: Adam(1e-4, betas (0.0, 0.9)) by default, as in the paper.
        ema_decay: None = 0.999 for images (conv networks), 0 (off) for MLPs on 2-D points; see ``GAN``.
        generator_clip_val, discriminator_clip_val, gradient_clip_algorithm: see ``GAN``.
        on_nonfinite, generator_scheduler, discriminator_scheduler: see ``GAN``.
        num_classes, fake_labels, ac_weight: class conditioning (see ``GAN``): ``num_classes: K`` builds a
            generator with conditional batch norm and a projection discriminator (with an ACGAN class head when
            ``ac_weight`` > 0).
        pack: m > 1 packs m samples per critic input (PacGAN; see ``GAN``): the default critic takes
            ``packed_input_shape(data_shape, m, num_classes)`` (conditional: each sample's one-hot label goes into
            the pack, no projection), and the gradient penalty interpolates whole packs (one coefficient per
            pack) and takes the gradient norm over each packed input.
    """

    default_optimizer = adam(1e-4, (0.0, 0.9))

    def __init__(
        self,
        data_shape: Sequence[int] = (2,),
        latent_dim: int = 16,
        architecture: Literal["auto", "mlp", "conv"] = "auto",
        hidden_dims: Sequence[int] = (256, 256, 256),
        generator_width: int = 64,
        critic_width: int = 64,
        critic_norm: Literal["none", "layer"] = "none",
        gp_weight: float = 10.0,
        generator: nn.Module | None = None,
        discriminator: nn.Module | None = None,
        d_steps: int = 5,
        generator_optimizer: OptimizerCallable | None = None,
        discriminator_optimizer: OptimizerCallable | None = None,
        ema_decay: float | None = None,
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
        if architecture == "auto":
            architecture = "mlp" if len(data_shape) == 1 else "conv"
        if critic_norm not in ("none", "layer"):
            raise ValueError(
                f"critic_norm must be 'none' or 'layer' (batch norm breaks the gradient penalty), got {critic_norm!r}"
            )
        aux = ac_weight > 0
        unconditional_d = num_classes is None or pack > 1  # a pack carries its labels as inputs (see GAN)
        d_shape = packed_input_shape(data_shape, pack, num_classes)
        if architecture == "mlp":
            out = "tanh" if len(data_shape) > 1 else "none"
            default_g = lambda: MLPGenerator(
                latent_dim, data_shape, hidden_dims, out, num_classes=num_classes
            )
            default_d = lambda: (
                MLPDiscriminator(d_shape, hidden_dims)
                if unconditional_d
                else ProjectionMLPDiscriminator(data_shape, hidden_dims, num_classes, aux_classifier=aux)
            )
        elif architecture == "conv":
            channels, size = image_shape(data_shape)
            default_g = lambda: DCGANGenerator(latent_dim, size, channels, generator_width, num_classes)
            default_d = lambda: (
                DCGANDiscriminator(size, d_shape[0], critic_width, norm=critic_norm)
                if unconditional_d
                else ProjectionDCGANDiscriminator(size, channels, critic_width, critic_norm, num_classes, aux)
            )
        else:
            raise ValueError(f"architecture must be 'auto', 'mlp' or 'conv', got {architecture!r}")
        super().__init__(
            generator=given_or_default(generator, default_g),
            discriminator=given_or_default(discriminator, default_d),
            d_steps=d_steps,
            generator_optimizer=generator_optimizer,
            discriminator_optimizer=discriminator_optimizer,
            latent_dim=latent_dim_of(generator, latent_dim),
            ema_decay=ema_decay if ema_decay is not None else (0.999 if architecture == "conv" else 0.0),
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
        self.gp_weight = gp_weight

    @override
    def discriminator_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        return losses.wasserstein_critic_loss(real_logits, fake_logits)

    @override
    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        return losses.wasserstein_generator_loss(fake_logits)

    def _grad_scale(self) -> float | None:
        """The fp16 GradScaler's current scale (``16-mixed``), else None: bf16 and fp32 need no scaling."""
        scaler = getattr(self.trainer.precision_plugin, "scaler", None) if self._trainer is not None else None
        return float(scaler.get_scale()) if scaler is not None and scaler.is_enabled() else None

    def critic_scores(self, *inputs: torch.Tensor) -> torch.Tensor:
        """``(N,)`` critic values of ``discriminator(*inputs)`` (without an ACGAN head's class logits)."""
        return logits_of(self.discriminator(*inputs))

    @override
    def regularizer(self, real: torch.Tensor | tuple, fake: torch.Tensor | tuple) -> dict[str, torch.Tensor]:
        # conditional: real and fake are (x, labels); the penalty interpolates x and keeps the real labels
        penalty = losses.gradient_penalty(
            self.critic_scores, real, fake, grad_scale=self._grad_scale(), pack=self.pack
        )
        return {"gp": self.gp_weight * penalty}

    @override
    def step_metrics(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> dict[str, torch.Tensor]:
        # E[D(x)] - E[D(G(z))]: the critic's estimate of the Wasserstein-1 distance (up to the Lipschitz constant)
        return {"wasserstein": real_logits.mean() - fake_logits.mean()}
