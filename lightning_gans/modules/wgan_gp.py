"""WGAN-GP (Gulrajani et al., 2017): Wasserstein critic with a gradient penalty, several critic steps per G step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
from torch import nn
from typing_extensions import override

from lightning_gans import losses
from lightning_gans.errors import ConfigError
from lightning_gans.modules.gan import GAN, adam, logits_of
from lightning_gans.modules.recipes import (
    default_discriminator,
    default_generator,
    given_or_default,
    image_shape,
    latent_dim_of,
    resolve_architecture,
)


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
        ema_decay: None = 0.999 for images (conv networks), 0 (off) for MLPs on 2-D points; see ``GAN``.
        num_classes: K builds a generator with conditional batch norm and a projection critic (with an ACGAN
            class head when ``ac_weight`` > 0); see ``GAN``.
        ac_weight: the ACGAN class-loss weight; see ``GAN``.
        pack: m > 1 packs m samples per critic input (PacGAN; see ``GAN``): the default critic takes
            ``packed_input_shape(data_shape, m, num_classes)`` (conditional: each sample's one-hot label goes into
            the pack, no projection), and the gradient penalty interpolates whole packs (one coefficient per
            pack) and takes the gradient norm over each packed input.
        **kwargs: every other option of ``GAN``: generator_optimizer, discriminator_optimizer (Adam(1e-4,
            betas (0.0, 0.9)) by default, as in the paper), generator_clip_val, discriminator_clip_val,
            gradient_clip_algorithm, on_nonfinite, generator_scheduler, discriminator_scheduler, fake_labels.
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
        ema_decay: float | None = None,
        num_classes: int | None = None,
        ac_weight: float = 0.0,
        pack: int = 1,
        **kwargs,
    ) -> None:
        architecture = resolve_architecture(architecture, data_shape)
        if critic_norm not in ("none", "layer"):
            raise ConfigError(
                f"critic_norm must be 'none' or 'layer' (batch norm breaks the gradient penalty), got {critic_norm!r}"
            )
        if architecture == "conv":
            image_shape(data_shape)  # refuses a non-image shape before anything is built
        super().__init__(
            generator=given_or_default(
                generator,
                lambda: default_generator(
                    architecture, latent_dim, data_shape, hidden_dims, generator_width, num_classes
                ),
            ),
            discriminator=given_or_default(
                discriminator,
                lambda: default_discriminator(
                    architecture,
                    data_shape,
                    hidden_dims,
                    critic_width,
                    critic_norm,
                    num_classes,
                    ac_weight,
                    pack,
                ),
            ),
            d_steps=d_steps,
            latent_dim=latent_dim_of(generator, latent_dim),
            ema_decay=ema_decay if ema_decay is not None else (0.999 if architecture == "conv" else 0.0),
            num_classes=num_classes,
            ac_weight=ac_weight,
            pack=pack,
            **kwargs,
        )
        self.gp_weight = gp_weight

    @override
    def discriminator_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        return losses.wasserstein_critic_loss(real_logits, fake_logits)

    @override
    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        return losses.wasserstein_generator_loss(fake_logits)

    def _grad_scale(self) -> float | None:
        return fp16_grad_scale(self)

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


def fp16_grad_scale(module) -> float | None:
    """The fp16 GradScaler's current scale of ``module``'s trainer (``16-mixed``), else None: bf16 and fp32 need
    no scaling (the gradient penalty unscales its input gradients with it; ClusterGAN's critic shares it)."""
    scaler = getattr(module.trainer.precision_plugin, "scaler", None) if module._trainer is not None else None
    return float(scaler.get_scale()) if scaler is not None and scaler.is_enabled() else None
