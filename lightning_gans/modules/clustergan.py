"""ClusterGAN (Mukherjee et al., AAAI 2019): a WGAN-GP whose latent is ``[sigma * N(0, I), one-hot(K)]`` and a
separate encoder ``E: x -> (z_n, logits_c)`` trained with the generator to recover both parts of it.

Built on the family hooks of ``GAN.training_step`` (docs/DESIGN.md, "One loop for every family"), like InfoGAN and
BiGAN:

- ``draw_latent``: noise ``z_n`` with standard deviation ``noise_std`` (0.1: small, so that the one-hot part and
  not the noise makes the large-scale differences between samples), then a uniform one-hot ``codes``;
  ``generate`` feeds ``cat(z_n, codes)``;
- ``discriminator_inputs``: the critic sees the data alone; in the generator phase (the only one whose fakes carry
  the generator's graph) E also encodes the fakes there, inside the generator optimizer's toggle, as BiGAN's
  encoder runs;
- ``phase_parameters("generator")`` = G + E (one optimizer, as in the paper's code); the critic alone in the
  other phase;
- ``auxiliary_losses("generator")`` = ``beta_n * MSE(z_n, E_n(G(z))) + beta_c * CE(c, E_c(G(z)))``
  (``lightning_gans.losses.latent_recovery_losses``), added to the WGAN-GP generator loss.

Real data is clustered by ``predict_cluster(x) = argmax E_c(x)``, or by KMeans on ``encode(x)``.
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
from lightning_gans.modules.gan import adam, logits_of
from lightning_gans.modules.recipes import (
    default_discriminator,
    given_or_default,
    image_shape,
    resolve_architecture,
)
from lightning_gans.modules.wgan_gp import fp16_grad_scale
from lightning_gans.nets import DCGANGenerator, MLPGenerator
from lightning_gans.nets.cluster import ClusterEncoder


class ClusterGAN(CodedGAN):
    """ClusterGAN: WGAN-GP critic, latent ``[noise_std * N(0, I), one-hot(num_clusters)]``, encoder trained with G.

    Logs ``train/gp``, ``train/wasserstein`` and the generator phase's ``train/g_latent_n``, ``train/g_latent_c``.

    Args:
        data_shape: ``[D]`` for table rows or ``[C, S, S]`` for images.
        latent_dim: size of the continuous part ``z_n`` (30 for MNIST in the paper, 5 for the 16-d Pendigits);
            the generator takes ``latent_dim + num_clusters`` inputs.
        num_clusters: K, the values of the one-hot part (the number of clusters).
        noise_std: sigma of ``z_n`` (0.1 in the paper).
        beta_n, beta_c: weights of the encoder's MSE on ``z_n`` and cross-entropy on the cluster (10 and 10).
        architecture: ``"auto"`` (MLPs for 1-D shapes, DCGAN-style conv nets for images), ``"mlp"``, ``"conv"``.
        hidden_dims: MLP hidden widths (generator, critic and encoder).
        generator_width, critic_width, encoder_width: conv widths (see ``DCGAN``).
        gp_weight: the WGAN-GP penalty weight (10).
        generator, discriminator, encoder: replace the default networks. The generator takes
            ``(N, latent_dim + num_clusters)``; the critic returns ``(N,)`` scores; the encoder returns
            ``(z_n, logits)`` as ``lightning_gans.nets.ClusterEncoder`` does.
        d_steps: critic updates per generator update (5).
        ema_decay: 0 (off) by default: an averaged G would not match the encoder it is trained with.
        **kwargs: every other option of ``GAN``: generator_optimizer (it trains G and E), discriminator_optimizer
            (both Adam(1e-4, betas (0.5, 0.9)) by default, the paper's code), generator_clip_val,
            discriminator_clip_val, gradient_clip_algorithm, on_nonfinite, generator_scheduler,
            discriminator_scheduler. Not ``num_classes`` nor ``pack`` > 1 (refused: see ``conditioning_refusal``,
            ``packing_refusal``).
    """

    default_optimizer = adam(1e-4, (0.5, 0.9))
    conditioning_refusal = "its one-hot latent part is the cluster, learnt without labels."
    packing_refusal = "its critic and encoder are not built for packs (not tried with ClusterGAN)."

    def __init__(
        self,
        data_shape: Sequence[int] = (1, 32, 32),
        latent_dim: int = 30,
        num_clusters: int = 10,
        noise_std: float = 0.1,
        beta_n: float = 10.0,
        beta_c: float = 10.0,
        architecture: Literal["auto", "mlp", "conv"] = "auto",
        hidden_dims: Sequence[int] = (256, 256),
        generator_width: int = 64,
        critic_width: int = 64,
        encoder_width: int = 64,
        gp_weight: float = 10.0,
        generator: nn.Module | None = None,
        discriminator: nn.Module | None = None,
        encoder: nn.Module | None = None,
        d_steps: int = 5,
        ema_decay: float = 0.0,
        **kwargs,
    ) -> None:
        check_cluster_settings(num_clusters, noise_std, beta_n, beta_c)
        architecture = resolve_architecture(architecture, data_shape)
        inputs = latent_dim + num_clusters
        if architecture == "conv":
            channels, size = image_shape(data_shape)
            default_g = lambda: DCGANGenerator(inputs, size, channels, generator_width)
        else:
            out = "tanh" if len(data_shape) > 1 else "none"  # images in [-1, 1]; standardised table rows
            default_g = lambda: MLPGenerator(inputs, data_shape, hidden_dims, out)
        # the WGAN-GP critic: no batch norm, which would break the per-sample gradient penalty
        default_d = lambda: default_discriminator(architecture, data_shape, hidden_dims, critic_width, "none")
        default_e = lambda: ClusterEncoder(
            data_shape, latent_dim, num_clusters, architecture, hidden_dims, encoder_width
        )
        encoder = given_or_default(encoder, default_e)
        super().__init__(
            generator=given_or_default(generator, default_g),
            discriminator=given_or_default(discriminator, default_d),
            d_steps=d_steps,
            latent_dim=latent_dim,  # z_n only: the generator's own latent_dim includes the one-hot part
            ema_decay=ema_decay,
            **kwargs,
        )
        self.encoder = encoder
        self.num_clusters = num_clusters
        self.noise_std = noise_std
        self.beta_n = beta_n
        self.beta_c = beta_c
        self.gp_weight = gp_weight
        self._fake_encoding: tuple[torch.Tensor, torch.Tensor] | None = None

    # ----------------------------------------------------------------------------------------- latent
    @property
    def categorical_codes(self) -> tuple[int, ...]:
        """``(K,)``: one categorical code, the cluster (what ``traverse`` and ``cluster`` read)."""
        return (self.num_clusters,)

    @property
    def continuous_codes(self) -> int:
        """0: the continuous part ``z_n`` is noise, not a code with a meaning of its own."""
        return 0

    def code_vector(self, categories: Sequence[int], continuous: Sequence[float] = ()) -> torch.Tensor:
        """``(K,)`` the one-hot of cluster ``categories[0]`` (``continuous`` must be empty: there is no
        continuous code)."""
        if len(categories) != 1 or len(continuous) != 0:
            raise ValueError("ClusterGAN has one categorical code (the cluster) and no continuous code")
        return torch.eye(self.num_clusters)[int(categories[0])]

    # ---------------------------------------------------------------------------------------- training
    @override
    def discriminator_inputs(self, real, labels, fake, latent) -> tuple[tuple, tuple]:
        # Only the generator phase's fakes carry G's graph (the critic phase's are detached, and E is frozen
        # there by the toggle): E encodes them here, once, and auxiliary_losses reads the result.
        self._fake_encoding = self.encoder(fake) if fake.requires_grad else None
        return (real,), (fake,)

    @override
    def phase_parameters(self, phase: Literal["generator", "discriminator"]) -> list[nn.Parameter]:
        if phase == "generator":
            return [*self.generator.parameters(), *self.encoder.parameters()]
        return list(self.discriminator.parameters())

    @override
    def auxiliary_losses(self, phase, real_output, fake_output, labels, latent) -> dict[str, torch.Tensor]:
        """Generator phase: ``{"latent_n", "latent_c"}`` (``losses.latent_recovery_losses`` of E on the fakes);
        none in the critic phase."""
        if phase == "discriminator" or self._fake_encoding is None:
            return {}
        encoded_n, logits = self._fake_encoding
        self._fake_encoding = None  # one use: the graph belongs to this step
        return losses.latent_recovery_losses(
            latent.z, latent.codes.argmax(1), encoded_n, logits, self.beta_n, self.beta_c
        )

    @override
    def discriminator_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        return losses.wasserstein_critic_loss(real_logits, fake_logits)

    @override
    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        return losses.wasserstein_generator_loss(fake_logits)

    def critic_scores(self, x: torch.Tensor) -> torch.Tensor:
        """``(N,)`` critic values of ``(N, *data_shape)`` samples."""
        return logits_of(self.discriminator(x))

    @override
    def regularizer(self, real, fake) -> dict[str, torch.Tensor]:
        penalty = losses.gradient_penalty(self.critic_scores, real, fake, grad_scale=fp16_grad_scale(self))
        return {"gp": self.gp_weight * penalty}

    @override
    def step_metrics(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"wasserstein": real_logits.mean() - fake_logits.mean()}

    # ------------------------------------------------------------------------------------------ inference
    @torch.no_grad()
    def encode_parts(self, x: torch.Tensor, batch_size: int = 512) -> tuple[torch.Tensor, torch.Tensor]:
        """``(N, *data_shape)`` -> ``(z_n (N, latent_dim), logits (N, K))`` of E in eval mode, on the CPU."""
        was_training = self.encoder.training
        self.encoder.eval()
        try:
            parts = [self.encoder(chunk.to(self.device)) for chunk in x.split(batch_size)]
        finally:
            self.encoder.train(was_training)
        if not parts:
            return torch.zeros(0, self.latent_dim), torch.zeros(0, self.num_clusters)
        return torch.cat([p[0] for p in parts]).cpu(), torch.cat([p[1] for p in parts]).cpu()

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N, latent_dim + K)``: ``cat(E_n(x), softmax(E_c(x)))``, the encoder's
        estimate of the whole latent ``[z_n, one-hot]`` (what ``reconstruct`` feeds G; KMeans' input)."""
        z_n, logits = self.encode_parts(x)
        return torch.cat([z_n, logits.softmax(1)], dim=1)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N, *data_shape)`` reconstructions ``G(encode(x))`` (eval mode)."""
        latent = self.encode(x).to(self.device)
        return self.sample_with_codes(latent[:, : self.latent_dim], latent[:, self.latent_dim :])

    @torch.no_grad()
    def predict_cluster(self, x: torch.Tensor, code: int = 0, batch_size: int = 512) -> torch.Tensor:
        """``(N,)`` cluster of each ``(N, *data_shape)`` sample (scaled like the training data): ``argmax E_c(x)``.
        ``code`` must be 0 (the one categorical code)."""
        if code != 0:
            raise ConfigError(f"ClusterGAN has one categorical code (0), got --code {code}.")
        return self.encode_parts(x, batch_size)[1].argmax(1)


def check_cluster_settings(num_clusters: int, noise_std: float, beta_n: float, beta_c: float) -> None:
    """Refuses settings that cannot work, naming the fix."""
    if not isinstance(num_clusters, int) or num_clusters < 2:
        raise ConfigError(f"num_clusters must be an integer >= 2, got {num_clusters!r}.")
    if noise_std <= 0:
        raise ConfigError(f"noise_std must be > 0 (0.1 in the paper), got {noise_std}.")
    if beta_n < 0 or beta_c < 0:
        raise ConfigError(f"beta_n and beta_c must be >= 0 (10 in the paper), got {beta_n} and {beta_c}.")
