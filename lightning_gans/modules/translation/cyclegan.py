"""``CycleGAN`` (Zhu et al., 2017): unpaired translation between domains A and B with two generators, two
PatchGAN discriminators and cycle consistency, on the engine (``lightning_gans.engine``).

One training batch (``{"A": (N, C_a, H, W), "B": (N, C_b, H, W)}``) is one ``generator`` phase (G_AB and G_BA,
one optimizer: adversarial + cycle + identity (+ semantic) terms, each logged) and one ``discriminator`` phase
(D_A and D_B, one optimizer, on fakes drawn through the image pools), then ``end_counted_step`` (EMA,
schedulers). ``trainer.global_step`` counts batches (generator updates).
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn
from typing_extensions import override

from lightning_gans import losses
from lightning_gans.engine import OptimizerCallable, SchedulerCallable
from lightning_gans.errors import ConfigError
from lightning_gans.modules.recipes import given_or_default
from lightning_gans.modules.translation.base import TranslationModule, check_non_negative, check_patch_size
from lightning_gans.modules.translation.pool import ImagePool
from lightning_gans.nets.translation import Norm, PatchDiscriminator, ResnetGenerator, check_norm

__all__ = ["CycleGAN"]

DIRECTIONS = ("a2b", "b2a")


class CycleGAN(TranslationModule):
    """CycleGAN with the reference's defaults: ResNet generators, 70x70 PatchGANs, instance norm, LSGAN,
    lambda 10, identity 0.5, image pools of 50, Adam(2e-4, (0.5, 0.999)).

    Losses. Generator phase: ``adv_ab = L_G(D_B(G_AB(A)))``, ``adv_ba = L_G(D_A(G_BA(B)))`` (their sum is
    ``g_loss``), ``cycle_a = lambda_cycle |G_BA(G_AB(A)) - A|``, ``cycle_b = lambda_cycle |G_AB(G_BA(B)) - B|``,
    ``idt_a = lambda_cycle lambda_identity |G_BA(A) - A|``, ``idt_b = lambda_cycle lambda_identity |G_AB(B) - B|``
    (only when ``channels_a == channels_b``: otherwise a generator cannot take its own output domain), and
    ``semantic = lambda_semantic CE(f(G_AB(A)), argmax f(A))`` when a classifier is given. Discriminator phase:
    ``d_a = 0.5 L_D(D_A(A), D_A(pool_a(G_BA(B))))`` and ``d_b`` alike (halved as in the reference, which slows
    D relative to G); ``d_loss = d_a + d_b``; with ``wgan-gp``, ``gp_a``/``gp_b = lambda_gp`` x the gradient
    penalty of each critic (not halved). Every term is logged under ``train/`` (``g_<term>`` for the generator's).

    Args:
        channels_a, channels_b: image channels of A and B (1 -> 3 works; the identity terms are then off).
        image_size: training image size; picks the ResNet depth (9 blocks at >= 256 px, else 6).
        generator_width, discriminator_width: ngf and ndf of the default networks (64).
        n_blocks: residual blocks of the default generators; None = by image size.
        norm: normalisation of the default networks: ``"instance"`` (reference), ``"batch"`` (each DDP process
            keeps its own statistics unless ``trainer.sync_batchnorm`` on GPUs) or ``"none"``.
        discriminator_layers: stride-2 layers of the default PatchGANs (3: 70x70 patches, needs >= 24 px).
        generator_ab, generator_ba: A -> B and B -> A networks, ``(N, C_a, H, W) -> (N, C_b, H, W)`` and back;
            None = ``ResnetGenerator``. Any ``nn.Module`` (configs: ``class_path``).
        discriminator_a, discriminator_b: judge A and B images, ``(N, C, H, W) -> (N, 1, H', W')`` or ``(N,)``
            logits; None = ``PatchDiscriminator``.
        gan_loss: ``"lsgan"`` (reference), ``"vanilla"`` (BCE, non-saturating) or ``"wgan-gp"`` (Wasserstein
            critics with the gradient penalty ``lambda_gp``; refused with ``norm: batch``, which mixes the images
            of a batch).
        lambda_cycle: weight of each direction's cycle L1 (10).
        lambda_identity: identity weight, in units of ``lambda_cycle`` (0.5; 0 = off).
        lambda_gp: gradient-penalty weight for ``wgan-gp`` (10).
        pool_size: images per image pool (50; 0 = the discriminators see only the latest fakes).
        ema_decay: keep ``generator_ab_ema`` and ``generator_ba_ema`` (averaged weights) and translate with
            them; 0 = off (default).
        semantic_classifier: a frozen classifier of domain-A images, ``(N, C_a, H, W) -> (N, K)`` logits, for
            CyCADA's semantic-consistency term (it must accept ``C_b`` channels too). Not trained, not in the
            optimizers; it is kept in eval mode for each use.
        lambda_semantic: weight of that term (0 = off). Targets are the batch's ``A_label`` when present, else
            the classifier's predictions on A.
        generator_optimizer, discriminator_optimizer: ``params -> Optimizer`` for both generators / both
            discriminators; None = Adam(2e-4, (0.5, 0.999)).
        generator_scheduler, discriminator_scheduler: ``optimizer -> LRScheduler``, stepped once per training
            batch (counted step); the reference's schedule is ``lightning_gans.engine.LinearDecayLR`` (constant,
            then linear to 0, lengths in steps). None = constant.
        generator_clip_val, discriminator_clip_val, gradient_clip_algorithm, on_nonfinite: the engine's
            (``lightning_gans.engine.AdversarialModule``).
    """

    directions = DIRECTIONS
    """What ``translate`` accepts (``TranslationMetrics`` evaluates each)."""

    def __init__(
        self,
        channels_a: int = 3,
        channels_b: int = 3,
        image_size: int = 32,
        generator_width: int = 64,
        discriminator_width: int = 64,
        n_blocks: int | None = None,
        norm: Norm = "instance",
        discriminator_layers: int = 3,
        generator_ab: nn.Module | None = None,
        generator_ba: nn.Module | None = None,
        discriminator_a: nn.Module | None = None,
        discriminator_b: nn.Module | None = None,
        gan_loss: Literal["lsgan", "vanilla", "wgan-gp"] = "lsgan",
        lambda_cycle: float = 10.0,
        lambda_identity: float = 0.5,
        lambda_gp: float = 10.0,
        pool_size: int = 50,
        ema_decay: float = 0.0,
        semantic_classifier: nn.Module | None = None,
        lambda_semantic: float = 0.0,
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
        check_non_negative(
            lambda_cycle=lambda_cycle,
            lambda_identity=lambda_identity,
            lambda_gp=lambda_gp,
            lambda_semantic=lambda_semantic,
            pool_size=pool_size,
        )
        d_loss_fn, g_loss_fn = self.adversarial_losses(gan_loss)
        if gan_loss == "wgan-gp" and norm == "batch" and (discriminator_a is None or discriminator_b is None):
            raise ConfigError(
                "gan_loss wgan-gp with norm batch: batch norm mixes the images of a batch, which breaks the "
                "per-image gradient penalty. Set model norm: instance (or none)."
            )
        if lambda_semantic > 0 and semantic_classifier is None:
            raise ConfigError(
                "model lambda_semantic > 0 needs model semantic_classifier (a classifier of domain-A images)."
            )
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
        blocks = n_blocks if n_blocks is not None else (9 if image_size >= 256 else 6)
        if (generator_ab is None or generator_ba is None) and image_size % 4:
            raise ConfigError(
                f"The default ResNet generators need an image size divisible by 4, got {image_size}."
            )
        if discriminator_a is None or discriminator_b is None:
            check_patch_size(image_size, discriminator_layers)

        def generator(c_in: int, c_out: int) -> nn.Module:
            return ResnetGenerator(c_in, c_out, generator_width, blocks, norm)

        def discriminator(c: int) -> nn.Module:
            return PatchDiscriminator(c, discriminator_width, discriminator_layers, norm)

        self.generator_ab = given_or_default(generator_ab, lambda: generator(channels_a, channels_b))
        self.generator_ba = given_or_default(generator_ba, lambda: generator(channels_b, channels_a))
        self.discriminator_a = given_or_default(discriminator_a, lambda: discriminator(channels_a))
        self.discriminator_b = given_or_default(discriminator_b, lambda: discriminator(channels_b))
        self.gan_loss = gan_loss
        self.d_loss_fn, self.g_loss_fn = d_loss_fn, g_loss_fn
        self.lambda_cycle = lambda_cycle
        self.lambda_identity = lambda_identity
        self.lambda_gp = lambda_gp
        self.lambda_semantic = lambda_semantic
        self.uses_identity = lambda_identity > 0 and channels_a == channels_b
        self.semantic_classifier = semantic_classifier
        if semantic_classifier is not None:
            semantic_classifier.requires_grad_(False)  # frozen: never in an optimizer, ignored by DDP
        self.pools = {"a": ImagePool(pool_size), "b": ImagePool(pool_size)}
        self.ema_decay = ema_decay
        self.add_ema("generator_ab", ema_decay)
        self.add_ema("generator_ba", ema_decay)
        self.save_translation_hparams(self.save_hyperparameters)

    # ------------------------------------------------------------------------------------------ phases
    @override
    def phase_parameters(self, phase: str) -> list[nn.Parameter]:
        nets = (
            (self.generator_ab, self.generator_ba)
            if phase == "generator"
            else (self.discriminator_a, self.discriminator_b)
        )
        return [p for net in nets for p in net.parameters()]

    # -------------------------------------------------------------------------------------- inference
    def translation_generator(self, direction: str, ema: bool = True) -> nn.Module:
        """The network for ``direction`` (``"a2b"`` or ``"b2a"``): its EMA copy when there is one and ``ema``."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be 'a2b' or 'b2a', got {direction!r}.")
        name = "generator_ab" if direction == "a2b" else "generator_ba"
        averaged = getattr(self, f"{name}_ema") if ema else None
        return averaged if averaged is not None else getattr(self, name)

    def translate(self, x: torch.Tensor, direction: str = "a2b", ema: bool = True) -> torch.Tensor:
        """``(N, C_a, H, W)`` A images -> ``(N, C_b, H, W)`` B images for ``"a2b"`` (and the reverse for
        ``"b2a"``), in [-1, 1], in eval mode and without a graph; the EMA generator when there is one (``ema``)."""
        return self.translate_with(self.translation_generator(direction, ema), x)

    @override
    def forward(self, x: torch.Tensor, direction: str = "a2b") -> torch.Tensor:
        """The trained (not averaged) generator of ``direction`` on ``x``, in the module's current mode."""
        return self.translation_generator(direction, ema=False)(x)

    # ------------------------------------------------------------------------------------------ training
    def semantic_term(self, fake_b: torch.Tensor, real_a: torch.Tensor, labels: torch.Tensor | None):
        """``CE(f(G_AB(A)), targets)`` with the frozen classifier in eval mode for this call."""
        classifier = self.semantic_classifier
        was_training = classifier.training
        classifier.eval()  # its batch norm and dropout must not change with the batch of fakes
        try:
            return losses.semantic_consistency_loss(classifier, fake_b, real_a, labels)
        finally:
            classifier.train(was_training)

    @override
    def training_step(self, batch, batch_idx: int) -> dict[str, torch.Tensor] | None:
        real_a, real_b = self.images(batch)
        labels = batch.get("A_label")
        fakes: dict[str, torch.Tensor] = {}
        adversarial: dict[str, torch.Tensor] = {}

        def generator_phase():
            # inside the generator toggle: the discriminators are frozen, gradients reach only G_AB and G_BA
            fake_b = self.generator_ab(real_a)
            fake_a = self.generator_ba(real_b)
            fakes["a"], fakes["b"] = fake_a.detach(), fake_b.detach()
            adversarial["adv_ab"] = self.g_loss_fn(self.discriminator_b(fake_b))
            adversarial["adv_ba"] = self.g_loss_fn(self.discriminator_a(fake_a))
            terms = {
                "cycle_a": self.lambda_cycle * losses.cycle_loss(self.generator_ba(fake_b), real_a),
                "cycle_b": self.lambda_cycle * losses.cycle_loss(self.generator_ab(fake_a), real_b),
            }
            if self.uses_identity:
                weight = self.lambda_cycle * self.lambda_identity
                terms["idt_a"] = weight * losses.identity_loss(self.generator_ba(real_a), real_a)
                terms["idt_b"] = weight * losses.identity_loss(self.generator_ab(real_b), real_b)
            if self.lambda_semantic > 0:
                terms["semantic"] = self.lambda_semantic * self.semantic_term(fake_b, real_a, labels)
            return adversarial["adv_ab"] + adversarial["adv_ba"], terms

        g_result = self.run_phase("generator", generator_phase)
        if g_result is None:
            return None
        # what the discriminators see: drawn from the pools outside the phase (no graph, CPU RNG)
        pooled_a = self.pools["a"].query(fakes["a"])
        pooled_b = self.pools["b"].query(fakes["b"])
        parts: dict[str, torch.Tensor] = {}

        def discriminator_phase():
            parts["d_a"] = 0.5 * self.d_loss_fn(self.discriminator_a(real_a), self.discriminator_a(pooled_a))
            parts["d_b"] = 0.5 * self.d_loss_fn(self.discriminator_b(real_b), self.discriminator_b(pooled_b))
            extra = {}
            if self.gan_loss == "wgan-gp":
                scale = self.grad_scale()
                extra["gp_a"] = self.lambda_gp * losses.gradient_penalty(
                    self.discriminator_a, real_a, pooled_a, grad_scale=scale
                )
                extra["gp_b"] = self.lambda_gp * losses.gradient_penalty(
                    self.discriminator_b, real_b, pooled_b, grad_scale=scale
                )
            return parts["d_a"] + parts["d_b"], extra

        d_result = self.run_phase("discriminator", discriminator_phase)
        if d_result is None:
            return None
        self.end_counted_step()

        (g_loss, g_terms), (d_loss, d_extra) = g_result, d_result
        metrics = {"d_loss": d_loss, "g_loss": g_loss}
        metrics |= {f"g_{k}": v for k, v in (adversarial | g_terms).items()}
        metrics |= parts | d_extra
        metrics = {k: v.detach() for k, v in metrics.items()}
        if self.step_metrics_are_logged(batch_idx):
            self.log_step_metrics(metrics)
        return metrics

    # -------------------------------------------------------------------------------------- evaluation
    def cycle_errors(self, batch) -> dict[str, torch.Tensor]:
        """``cycle_a = |G_BA(G_AB(A)) - A|`` and ``cycle_b`` (L1 means, unweighted) on the images present."""
        errors = {}
        if "A" in batch:
            a = batch["A"]
            errors["cycle_a"] = losses.cycle_loss(self.translate(self.translate(a, "a2b"), "b2a"), a)
        if "B" in batch:
            b = batch["B"]
            errors["cycle_b"] = losses.cycle_loss(self.translate(self.translate(b, "b2a"), "a2b"), b)
        return errors

    @override
    def validation_step(self, batch, batch_idx: int) -> None:
        self.log_eval("val", self.cycle_errors(batch), _batch_size(batch))

    @override
    def test_step(self, batch, batch_idx: int) -> None:
        self.log_eval("test", self.cycle_errors(batch), _batch_size(batch))


def _batch_size(batch: dict) -> int:
    return len(batch["A"] if "A" in batch else batch["B"])
