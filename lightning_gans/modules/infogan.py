"""InfoGAN (Chen et al., 2016): a GAN whose generator input carries latent codes that a Q head must recover.

The generator sees ``cat(z, codes)``: ``z`` standard normal noise, ``codes`` one or more uniform categorical
codes (one-hot) and continuous codes uniform in [-1, 1] (``lightning_gans.mutual_information``). The
discriminator returns ``(logits, QOutput)`` from a shared trunk (``lightning_gans.nets.info``). Through the family
hooks of ``GAN.training_step`` (docs/DESIGN.md, "One loop for every family"):

- ``draw_latent`` adds the codes, ``generate`` feeds ``cat(z, codes)``;
- ``phase_parameters``: the D phase trains the whole discriminator (trunk, adversarial head, Q head), the G phase
  the generator **and** the Q head (the Q head is in both optimizers; the trunk only in D's);
- ``auxiliary_losses``: the mutual-information term on the fakes in **both** phases (D phase: fakes detached, so
  it trains trunk + Q; G phase: D's trunk frozen by the toggle, gradients flow through it into G and Q).

``adversarial: wgan_gp`` swaps the non-saturating GAN loss for the Wasserstein critic with a gradient penalty
(critic without batch norm, 5 critic steps, Adam(1e-4, (0, 0.9))); the Q head stays the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
from torch import nn
from typing_extensions import override

from lightning_gans import losses
from lightning_gans.errors import ConfigError
from lightning_gans.modules.coded import CodedGAN
from lightning_gans.modules.gan import adam, auxiliary_of, logits_of
from lightning_gans.modules.latent import Latent
from lightning_gans.modules.recipes import given_or_default, image_shape
from lightning_gans.mutual_information import (
    categorical_info_loss,
    continuous_info_loss,
    split_codes,
)
from lightning_gans.nets import DCGANGenerator, MLPGenerator
from lightning_gans.nets.info import InfoDCGANDiscriminator, InfoMLPDiscriminator


class InfoGAN(CodedGAN):
    """InfoGAN with MLP or DCGAN-style networks and a GAN or WGAN-GP adversarial loss.

    Args:
        data_shape: ``[C, S, S]`` images (or any shape with ``architecture: mlp``).
        latent_dim: size of the noise ``z`` (62 in the paper's MNIST set-up); the codes come on top.
        categorical_codes: values of each categorical code, e.g. ``[10]`` (one 10-way code).
        continuous_codes: number of continuous codes (uniform in [-1, 1]).
        categorical_weight: lambda of the categorical term (1 in the paper).
        continuous_weight: lambda of the continuous term (0.1 here; the paper's MNIST run used 1 for both).
        architecture: ``"conv"`` (DCGAN networks) or ``"mlp"``.
        hidden_dims: MLP hidden widths (generator and discriminator trunk).
        generator_width, discriminator_width: conv widths (see ``DCGAN``).
        q_hidden: width of the Q head's hidden layer.
        adversarial: ``"gan"`` (non-saturating loss, batch-norm discriminator) or ``"wgan_gp"`` (critic without
            batch norm, gradient penalty ``gp_weight``).
        gp_weight: the WGAN-GP penalty weight (``adversarial: wgan_gp`` only).
        noise_std: standard deviation of the noise ``z`` (1 in InfoGAN; ClusterGAN uses 0.1 so that the one-hot
            code, not the noise, drives the generator's large-scale variation).
        d_steps: discriminator updates per generator update; None = 1 for ``gan``, 5 for ``wgan_gp``.
        generator, discriminator: replace the default networks (the generator takes ``latent_dim + code_dim``
            inputs; the discriminator returns ``(logits, QOutput)`` and has a ``q_head`` submodule, the part
            trained in both phases, as ``lightning_gans.nets.info.InfoDiscriminator`` does).
        **kwargs: every other option of ``GAN``: generator_optimizer, discriminator_optimizer, ema_decay
            (off by default), generator_clip_val, discriminator_clip_val, gradient_clip_algorithm, on_nonfinite,
            generator_scheduler, discriminator_scheduler. Not ``num_classes`` nor ``pack`` > 1 (refused: see
            ``conditioning_refusal``, ``packing_refusal``).
    """

    conditioning_refusal = (
        "its generator input is noise and codes, and its Q head would have to estimate the labels too."
    )
    packing_refusal = (
        "its Q head must estimate each sample's codes, and a packed discriminator sees only packs."
    )

    def __init__(
        self,
        data_shape: Sequence[int] = (1, 32, 32),
        latent_dim: int = 62,
        categorical_codes: Sequence[int] = (10,),
        continuous_codes: int = 2,
        categorical_weight: float = 1.0,
        continuous_weight: float = 0.1,
        architecture: Literal["conv", "mlp"] = "conv",
        hidden_dims: Sequence[int] = (256, 256),
        generator_width: int = 64,
        discriminator_width: int = 64,
        q_hidden: int = 128,
        adversarial: Literal["gan", "wgan_gp"] = "gan",
        gp_weight: float = 10.0,
        noise_std: float = 1.0,
        generator: nn.Module | None = None,
        discriminator: nn.Module | None = None,
        d_steps: int | None = None,
        **kwargs,
    ) -> None:
        categorical_codes = tuple(int(k) for k in categorical_codes)
        check_codes(categorical_codes, continuous_codes, categorical_weight, continuous_weight, adversarial)
        if noise_std <= 0:
            raise ConfigError(f"noise_std must be > 0, got {noise_std}.")
        code_dim = sum(categorical_codes) + continuous_codes
        wgan = adversarial == "wgan_gp"
        if architecture == "conv":
            channels, size = image_shape(data_shape)
            default_g = lambda: DCGANGenerator(latent_dim + code_dim, size, channels, generator_width)
            default_d = lambda: InfoDCGANDiscriminator(
                size,
                channels,
                discriminator_width,
                "none" if wgan else "batch",  # batch norm breaks the per-sample gradient penalty
                categorical_codes,
                continuous_codes,
                q_hidden,
            )
        elif architecture == "mlp":
            default_g = lambda: MLPGenerator(latent_dim + code_dim, data_shape, hidden_dims, "tanh")
            default_d = lambda: InfoMLPDiscriminator(
                data_shape, hidden_dims, categorical_codes, continuous_codes, q_hidden
            )
        else:
            raise ConfigError(f"architecture must be 'conv' or 'mlp', got {architecture!r}.")
        super().__init__(
            generator=given_or_default(generator, default_g),
            discriminator=given_or_default(discriminator, default_d),
            d_steps=d_steps if d_steps is not None else (5 if wgan else 1),
            latent_dim=latent_dim,  # the noise only: the generator's own latent_dim includes the codes
            **kwargs,
        )
        if not isinstance(getattr(self.discriminator, "q_head", None), nn.Module):
            raise ConfigError(
                "an InfoGAN discriminator needs a `q_head` submodule (trained by both optimizers) and must return "
                "(logits, QOutput); build it on lightning_gans.nets.info.InfoDiscriminator."
            )
        if wgan:
            # instance attribute: the WGAN-GP paper's optimizer for any network whose optimizer is not given
            self.default_optimizer = adam(1e-4, (0.0, 0.9))
        self.categorical_codes = categorical_codes
        self.continuous_codes = continuous_codes
        self.code_dim = code_dim
        self.categorical_weight = categorical_weight
        self.continuous_weight = continuous_weight
        self.adversarial = adversarial
        self.gp_weight = gp_weight
        self.noise_std = noise_std

    # ------------------------------------------------------------------------------------------ latent
    def code_vector(self, categories: Sequence[int], continuous: Sequence[float]) -> torch.Tensor:
        """``(code_dim,)`` codes with the given value of each categorical code and each continuous code."""
        if len(categories) != len(self.categorical_codes) or len(continuous) != self.continuous_codes:
            raise ValueError(
                f"need {len(self.categorical_codes)} categories and {self.continuous_codes} continuous values"
            )
        parts = [torch.eye(k)[c] for k, c in zip(self.categorical_codes, categories, strict=True)]
        return torch.cat([*parts, torch.as_tensor(continuous, dtype=torch.float).reshape(-1)])

    # ---------------------------------------------------------------------------------------- training
    @override
    def phase_parameters(self, phase: Literal["generator", "discriminator"]) -> list[nn.Parameter]:
        if phase == "discriminator":  # trunk, adversarial head and Q head
            return list(self.discriminator.parameters())
        # the Q head is trained with G as well (both maximise the bound); the shared trunk only with D
        return [*self.generator.parameters(), *self.discriminator.q_head.parameters()]

    @override
    def auxiliary_losses(
        self, phase, real_output, fake_output, labels, latent: Latent
    ) -> dict[str, torch.Tensor]:
        """``{"info_cat": lambda_cat * CE, "info_cont": lambda_cont * Gaussian NLL}`` of the fakes' codes under
        Q, in both phases (the negative mutual-information lower bound, up to the constant ``H(c)``)."""
        q = auxiliary_of(fake_output)
        indices, continuous = split_codes(latent.codes, self.categorical_codes)
        terms = {}
        if self.categorical_codes:
            terms["info_cat"] = self.categorical_weight * categorical_info_loss(q.categorical, indices)
        if self.continuous_codes:
            terms["info_cont"] = self.continuous_weight * continuous_info_loss(q.mean, q.log_std, continuous)
        return terms

    @override
    def discriminator_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        if self.adversarial == "wgan_gp":
            return losses.wasserstein_critic_loss(real_logits, fake_logits)
        return super().discriminator_loss(real_logits, fake_logits)

    @override
    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        if self.adversarial == "wgan_gp":
            return losses.wasserstein_generator_loss(fake_logits)
        return super().generator_loss(fake_logits)

    def critic_scores(self, x: torch.Tensor) -> torch.Tensor:
        """``(N,)`` adversarial scores of ``discriminator(x)`` without Q's outputs."""
        return logits_of(self.discriminator(x))

    @override
    def regularizer(self, real, fake) -> dict[str, torch.Tensor]:
        if self.adversarial != "wgan_gp":
            return {}
        return {"gp": self.gp_weight * losses.gradient_penalty(self.critic_scores, real, fake)}

    # -------------------------------------------------------------------------------------- clustering
    @torch.no_grad()
    def predict_cluster(self, x: torch.Tensor, code: int = 0, batch_size: int = 512) -> torch.Tensor:
        """``(N,)`` cluster of each ``(N, *data_shape)`` real sample (scaled like the training data): the argmax of
        Q's logits for categorical code ``code``, with the discriminator in eval mode."""
        if not self.categorical_codes:
            raise ValueError("this InfoGAN has no categorical code to cluster with")
        was_training = self.discriminator.training
        self.discriminator.eval()
        try:
            parts = [
                auxiliary_of(self.discriminator(chunk.to(self.device))).categorical[code].argmax(1).cpu()
                for chunk in x.split(batch_size)
            ]
        finally:
            self.discriminator.train(was_training)
        return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.long)

    @torch.no_grad()
    def estimate_codes(self, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
        """``(N, *data_shape)`` real samples -> ``(N, code_dim)`` Q's estimate of their codes, on the CPU: the
        softmax of each categorical code's logits, then the means of the continuous codes (the layout of
        ``code_vector``). InfoGAN's latent features for ``lightning-gans encode``; it has no estimate of ``z``."""
        was_training = self.discriminator.training
        self.discriminator.eval()
        try:
            parts = []
            for chunk in x.split(batch_size):
                q = auxiliary_of(self.discriminator(chunk.to(self.device)))
                parts.append(torch.cat([*(logits.softmax(1) for logits in q.categorical), q.mean], 1).cpu())
        finally:
            self.discriminator.train(was_training)
        return torch.cat(parts) if parts else torch.zeros(0, self.code_dim)


def check_codes(
    categorical_codes: tuple[int, ...],
    continuous_codes: int,
    categorical_weight: float,
    continuous_weight: float,
    adversarial: str,
) -> None:
    """Refuses code settings that cannot work, naming the fix."""
    if any(k < 2 for k in categorical_codes):
        raise ConfigError(
            f"every categorical code needs >= 2 values, got categorical_codes={list(categorical_codes)}."
        )
    if continuous_codes < 0:
        raise ConfigError(f"continuous_codes must be >= 0, got {continuous_codes}.")
    if not categorical_codes and continuous_codes == 0:
        raise ConfigError(
            "InfoGAN needs at least one code: set categorical_codes (e.g. [10]) or continuous_codes."
        )
    if categorical_weight < 0 or continuous_weight < 0:
        raise ConfigError("categorical_weight and continuous_weight must be >= 0.")
    if adversarial not in ("gan", "wgan_gp"):
        raise ConfigError(f"adversarial must be 'gan' or 'wgan_gp', got {adversarial!r}.")
