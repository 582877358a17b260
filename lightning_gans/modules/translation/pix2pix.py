"""``Pix2Pix`` (Isola et al., 2017): paired translation A -> B with a U-Net generator, a conditional PatchGAN on
``cat(A, image)`` and an L1 term to the true B, on the engine (``lightning_gans.engine``).

One training batch (``{"A": (N, C_a, H, W), "B": (N, C_b, H, W)}``, aligned) is one ``generator`` phase then
one ``discriminator`` phase on the same (detached) fakes, then ``end_counted_step``; ``trainer.global_step``
counts batches.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn
from typing_extensions import override

from lightning_gans.engine import OptimizerCallable, SchedulerCallable
from lightning_gans.errors import ConfigError
from lightning_gans.modules.recipes import given_or_default
from lightning_gans.modules.translation.base import TranslationModule, check_non_negative, check_patch_size
from lightning_gans.nets.translation import Norm, PatchDiscriminator, UnetGenerator, check_norm

__all__ = ["Pix2Pix"]


class Pix2Pix(TranslationModule):
    """pix2pix with the reference's defaults: U-Net (down to 1x1, batch norm, dropout), 70x70 conditional PatchGAN,
    vanilla GAN loss, lambda_L1 100, no image pool, Adam(2e-4, (0.5, 0.999)).

    Losses: generator ``g_loss = L_G(D(A, G(A)))`` plus ``l1 = lambda_l1 |G(A) - B|``; discriminator
    ``d_loss = 0.5 (L_D(D(A, B), D(A, G(A))))`` (halved as in the reference). ``D(A, X)`` is the PatchGAN on
    ``cat(A, X)`` along channels.

    Args:
        channels_a, channels_b: image channels of A (input) and B (output); 1 -> 3 works.
        image_size: training image size, a power of two; the default U-Net has ``log2(image_size)`` levels.
        generator_width, discriminator_width: ngf and ndf of the default networks (64).
        num_downs: U-Net levels; None = ``log2(image_size)`` (8 at 256 px: the reference's U-Net-256).
        norm: normalisation of the default networks: ``"batch"`` (reference; each DDP process keeps its own
            statistics unless ``trainer.sync_batchnorm`` on GPUs), ``"instance"`` or ``"none"``.
        dropout: the U-Net's dropout (on, as in the reference: pix2pix's only source of noise).
        discriminator_layers: stride-2 layers of the default PatchGAN (3: 70x70 patches, needs >= 24 px).
        generator: ``(N, C_a, H, W) -> (N, C_b, H, W)``; None = ``UnetGenerator``. Any ``nn.Module``.
        discriminator: ``(N, C_a + C_b, H, W) -> (N, 1, H', W')`` or ``(N,)`` logits; None = PatchGAN.
        gan_loss: ``"vanilla"`` (reference: BCE, non-saturating) or ``"lsgan"``.
        lambda_l1: weight of the L1 term (100).
        ema_decay: keep ``generator_ema`` and translate with it; 0 = off (default).
        generator_optimizer, discriminator_optimizer: as in ``CycleGAN`` (Adam(2e-4, (0.5, 0.999))).
        generator_scheduler, discriminator_scheduler: as in ``CycleGAN`` (stepped once per batch; the
            reference's schedule is ``lightning_gans.engine.LinearDecayLR``).
        generator_clip_val, discriminator_clip_val, gradient_clip_algorithm, on_nonfinite: as in ``CycleGAN``.
    """

    directions = ("a2b",)
    """What ``translate`` accepts (``TranslationMetrics`` evaluates each)."""

    def __init__(
        self,
        channels_a: int = 3,
        channels_b: int = 3,
        image_size: int = 32,
        generator_width: int = 64,
        discriminator_width: int = 64,
        num_downs: int | None = None,
        norm: Norm = "batch",
        dropout: bool = True,
        discriminator_layers: int = 3,
        generator: nn.Module | None = None,
        discriminator: nn.Module | None = None,
        gan_loss: Literal["vanilla", "lsgan"] = "vanilla",
        lambda_l1: float = 100.0,
        ema_decay: float = 0.0,
        generator_optimizer: OptimizerCallable | None = None,
        discriminator_optimizer: OptimizerCallable | None = None,
        generator_scheduler: SchedulerCallable | None = None,
        discriminator_scheduler: SchedulerCallable | None = None,
        generator_clip_val: float | None = None,
        discriminator_clip_val: float | None = None,
        gradient_clip_algorithm: Literal["norm", "value"] = "norm",
        on_nonfinite: Literal["stop", "skip", "off"] = "stop",
    ) -> None:
        check_norm(norm)
        check_non_negative(lambda_l1=lambda_l1)
        if gan_loss not in ("vanilla", "lsgan"):
            raise ConfigError(f"Pix2Pix gan_loss must be 'vanilla' or 'lsgan', got {gan_loss!r}.")
        d_loss_fn, g_loss_fn = self.adversarial_losses(gan_loss)
        super().__init__(
            channels_a,
            channels_b,
            image_size,
            optimizers={"generator": generator_optimizer, "discriminator": discriminator_optimizer},
            schedulers={"generator": generator_scheduler, "discriminator": discriminator_scheduler},
            clip_vals={"generator": generator_clip_val, "discriminator": discriminator_clip_val},
            gradient_clip_algorithm=gradient_clip_algorithm,
            on_nonfinite=on_nonfinite,
        )
        if discriminator is None:
            check_patch_size(image_size, discriminator_layers)
        self.generator = given_or_default(
            generator,
            lambda: UnetGenerator(
                channels_a, channels_b, num_downs, generator_width, norm, dropout, image_size=image_size
            ),
        )
        self.discriminator = given_or_default(
            discriminator,
            lambda: PatchDiscriminator(
                channels_a + channels_b, discriminator_width, discriminator_layers, norm
            ),
        )
        self.gan_loss = gan_loss
        self.d_loss_fn, self.g_loss_fn = d_loss_fn, g_loss_fn
        self.lambda_l1 = lambda_l1
        self.ema_decay = ema_decay
        self.add_ema("generator", ema_decay)
        self.save_translation_hparams(self.save_hyperparameters)

    @override
    def phase_parameters(self, phase: str) -> list[nn.Parameter]:
        return list((self.generator if phase == "generator" else self.discriminator).parameters())

    # -------------------------------------------------------------------------------------- inference
    def translate(self, x: torch.Tensor, direction: str = "a2b", ema: bool = True) -> torch.Tensor:
        """``(N, C_a, H, W)`` A images -> ``(N, C_b, H, W)`` B images in [-1, 1], in eval mode (batch norm's
        running statistics, no dropout; the reference tests in training mode unless ``--eval``) and without a
        graph; the EMA generator when there is one (``ema``). Only ``"a2b"``: pix2pix learns one direction."""
        if direction != "a2b":
            raise ValueError(
                f"Pix2Pix translates A -> B only (direction 'a2b'), got {direction!r}: it learns one direction. "
                "Train another Pix2Pix with A and B swapped, or a CycleGAN, for B -> A."
            )
        averaged = self.generator_ema if ema else None
        return self.translate_with(averaged if averaged is not None else self.generator, x)

    @override
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The trained (not averaged) generator on ``(N, C_a, H, W)`` images, in the module's current mode."""
        return self.generator(x)

    # ------------------------------------------------------------------------------------------ training
    @override
    def training_step(self, batch, batch_idx: int) -> dict[str, torch.Tensor] | None:
        real_a, real_b = self.images(batch)
        fakes: dict[str, torch.Tensor] = {}

        def generator_phase():
            fake_b = self.generator(real_a)
            fakes["b"] = fake_b.detach()
            g_loss = self.g_loss_fn(self.discriminator(torch.cat([real_a, fake_b], 1)))
            return g_loss, {"l1": self.lambda_l1 * F.l1_loss(fake_b, real_b)}

        g_result = self.run_phase("generator", generator_phase)
        if g_result is None:
            return None

        def discriminator_phase():
            real_out = self.discriminator(torch.cat([real_a, real_b], 1))
            fake_out = self.discriminator(torch.cat([real_a, fakes["b"]], 1))
            return 0.5 * self.d_loss_fn(real_out, fake_out), {}

        d_result = self.run_phase("discriminator", discriminator_phase)
        if d_result is None:
            return None
        self.end_counted_step()

        (g_loss, g_terms), (d_loss, _) = g_result, d_result
        metrics = {"d_loss": d_loss, "g_loss": g_loss} | {f"g_{k}": v for k, v in g_terms.items()}
        metrics = {k: v.detach() for k, v in metrics.items()}
        if self.step_metrics_are_logged(batch_idx):
            self.log_step_metrics(metrics)
        return metrics

    # -------------------------------------------------------------------------------------- evaluation
    def l1_error(self, batch) -> dict[str, torch.Tensor]:
        """``l1 = |G(A) - B|`` (mean, unweighted) of the translation to the true B."""
        real_a, real_b = self.images(batch)
        return {"l1": F.l1_loss(self.translate(real_a), real_b.to(self.device))}

    @override
    def validation_step(self, batch, batch_idx: int) -> None:
        self.log_eval("val", self.l1_error(batch), len(batch["A"]))

    @override
    def test_step(self, batch, batch_idx: int) -> None:
        self.log_eval("test", self.l1_error(batch), len(batch["A"]))
