"""``GAN``: the z -> x loop with its five family hooks, on the engine (``lightning_gans.engine``).

Variants (``VanillaGAN``, ``DCGAN``, ``WGANGP``) differ only by networks, losses and defaults. To try a new idea,
pass other networks or subclass and override one hook: ``discriminator_loss``, ``generator_loss``,
``regularizer`` or ``sample_noise``.

Other families (class-conditional, InfoGAN, BiGAN) run through the same ``training_step`` by overriding the
family hooks: ``draw_latent`` (what the generator is fed), ``generate``, ``discriminator_inputs`` (what the
discriminator sees for a real and a fake batch), ``phase_parameters`` (which networks each optimizer trains) and
``auxiliary_losses`` (extra terms from the structured outputs). ``num_classes`` turns on class conditioning in
the base module itself; docs/DESIGN.md ("One loop for every family") shows InfoGAN and BiGAN in these hooks.
``pack: m`` (PacGAN) wraps the discriminator in a ``lightning_gans.nets.PackedDiscriminator``: the loop is the
same, with one discriminator output per pack of m samples.

Step counting: one training batch is ``d_steps`` discriminator updates followed by one generator update. The
discriminator's updates go through the strategy without Lightning's step counter, so ``trainer.global_step``
counts **generator updates**: ``trainer.max_steps``, ``ModelCheckpoint(every_n_train_steps=...)``, the logger's
x-axis and every cadence in this library are in generator steps, whatever ``d_steps`` is.

What is not about z -> x lives in the engine (``AdversarialModule``): running one phase (toggle, divergence
guard, backward, clipping, the uncounted step), schedulers, EMA, logging cadence, checkpoint / RNG / pre-emption
hooks and the DDP set-up. Start-up checks are in ``lightning_gans.modules.checks``.
"""

from __future__ import annotations

import warnings
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn
from typing_extensions import override

from lightning_gans import losses
from lightning_gans.data.batch import split_batch
from lightning_gans.engine import AdversarialModule, OptimizerCallable, SchedulerCallable, adam
from lightning_gans.errors import ConfigError
from lightning_gans.modules.checks import (
    check_batch_size,
    check_conditioning,
    check_data_labels,
    check_data_shape,
    check_labels_in_range,
    check_packing,
)
from lightning_gans.modules.latent import Latent
from lightning_gans.modules.recipes import check_latent_dim
from lightning_gans.nets.packing import PackedDiscriminator

__all__ = [
    "GAN",
    "OptimizerCallable",
    "SchedulerCallable",
    "adam",
    "auxiliary_of",
    "logits_of",
    "what_d_sees",
]


def logits_of(output: torch.Tensor | tuple) -> torch.Tensor:
    """The ``(N,)`` adversarial logits of a discriminator output: the tensor itself, or the first entry of a
    ``(logits, auxiliary, ...)`` tuple (an ACGAN class head, an InfoGAN Q head)."""
    return output[0] if isinstance(output, tuple | list) else output


def auxiliary_of(output: torch.Tensor | tuple):
    """The second entry of a ``(logits, auxiliary)`` discriminator output, else None."""
    return output[1] if isinstance(output, tuple | list) and len(output) > 1 else None


def what_d_sees(inputs: tuple) -> torch.Tensor | tuple:
    """``regularizer``'s view of the discriminator's inputs: the tensor itself for a one-input discriminator
    (unchanged for unconditional variants), else the tuple (e.g. ``(images, labels)``)."""
    return inputs[0] if len(inputs) == 1 else inputs


class GAN(AdversarialModule):
    """A GAN with manual optimization: per batch, ``d_steps`` discriminator updates then one generator update.

    Args:
        generator: maps ``(N, latent_dim)`` noise to ``(N, *data_shape)`` samples. Should expose ``latent_dim``.
        discriminator: maps ``(N, *data_shape)`` samples to ``(N,)`` logits (or critic values).
        d_steps: discriminator updates per generator update. Each reuses the batch's real samples with fresh noise.
        generator_optimizer: callable ``params -> Optimizer`` for the generator; None = ``default_optimizer``.
        discriminator_optimizer: callable ``params -> Optimizer`` for the discriminator; None = ``default_optimizer``.
        generator_scheduler, discriminator_scheduler: callable ``optimizer -> LRScheduler`` for that network's
            optimizer, or None (constant learning rate). Both are stepped once per **generator** step, after it,
            so ``total_iters``/``T_max``/``step_size`` are in generator steps like every length in this library
            (the discriminator's ``d_steps`` updates per batch share one scheduler step). Their states are saved
            in checkpoints and restored on resume. ``ReduceLROnPlateau`` (which needs a metric) is not supported.
        latent_dim: size of the noise vector; read from ``generator.latent_dim`` when not given.
        ema_decay: keep ``generator_ema``, an exponential moving average of the generator's weights updated after
            every generator step (with warm-up, see ``lightning_gans.ema``), and sample from it. 0 = off.
        generator_clip_val, discriminator_clip_val: clip that network's gradients before each of its steps
            (after fp16 unscaling). None = no clipping. ``Trainer(gradient_clip_val=...)`` cannot work with
            manual optimization; these are its replacement.
        gradient_clip_algorithm: ``"norm"`` (total 2-norm of the network's gradients) or ``"value"``.
        on_nonfinite: what a NaN or Inf loss does: ``"stop"`` raises a ``DivergenceError`` before the bad
            update (nothing is stepped or saved), ``"skip"`` drops the rest of that batch and goes on,
            ``"off"`` does not check (saves one host-device sync per optimizer step).
        num_classes: K turns on class conditioning: data batches must be ``(x, y)`` with ``y`` in ``0..K-1``
            (checked against the data module at start-up), the generator is called as ``generator(z, labels)``
            and the discriminator as ``discriminator(x, labels)``. None = unconditional.
        fake_labels: how a conditional model draws the labels of its fakes: ``"uniform"`` over the K classes,
            or ``"data"`` with the training split's class frequencies (read from the data module at start-up).
        ac_weight: weight of the ACGAN auxiliary-classifier loss (Odena et al. 2017): the discriminator returns
            ``(logits, class_logits)`` and both networks add ``ac_weight`` x cross-entropy with the labels
            (the discriminator on real and fake samples, the generator on its fakes). 0 = off.
        pack: m, the samples the discriminator judges at once (PacGAN, Lin et al. 2018; 1 = off). With m > 1
            the discriminator is wrapped in ``lightning_gans.nets.PackedDiscriminator``: it receives
            ``(N/m, m*F, *rest)`` tensors (m samples, all real or all generated, concatenated along their first
            axis: ``(N/m, m*d)`` for vectors, ``(N/m, m*C, H, W)`` for images; conditional: each sample's one-hot
            label appended first, see ``PackedDiscriminator``) and returns ``(N/m,)`` logits. A discriminator you
            pass must take that packed tensor. The data module's ``batch_size`` must be a multiple of m (checked
            at start-up); a smaller last batch is cut to a multiple of m. Not with an ACGAN head
            (``ac_weight``) or families whose discriminator must answer per sample (``packing_refusal``).
    """

    packing_refusal: str | None = None
    """Why this family cannot pack its discriminator (e.g. InfoGAN's Q head), or None when it can."""

    generator_sees_real: bool = False
    """Whether the generator phase also runs the discriminator on the real batch (BiGAN: the encoder, trained
    with the generator, changes what D sees for real samples). Off: the generator step costs one D forward."""

    default_optimizer: OptimizerCallable = adam(2e-4, (0.5, 0.999))
    """Used for a network whose optimizer is not given: Adam(2e-4, betas (0.5, 0.999)) as in DCGAN."""

    packing_refusal: str | None = None
    """Why this family cannot pack its discriminator (e.g. InfoGAN's Q head), or None when it can."""

    conditioning_refusal: str | None = None
    """Why this family cannot be class-conditional (``num_classes``), or None when it can."""

    generator_sees_real: bool = False
    """Whether the generator phase also runs the discriminator on the real batch (BiGAN: the encoder, trained
    with the generator, changes what D sees for real samples). Off: the generator step costs one D forward."""

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        d_steps: int = 1,
        generator_optimizer: OptimizerCallable | None = None,
        discriminator_optimizer: OptimizerCallable | None = None,
        latent_dim: int | None = None,
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
        family = type(self).__name__
        if num_classes is not None and self.conditioning_refusal is not None:
            raise ConfigError(
                f"{family} cannot be class-conditional (num_classes {num_classes}): {self.conditioning_refusal} "
                "Remove model num_classes."
            )
        check_conditioning(num_classes, fake_labels, ac_weight)
        check_packing(pack, ac_weight, family, self.packing_refusal)
        if d_steps < 1:
            raise ConfigError(f"d_steps must be >= 1, got {d_steps}. Set model d_steps to 1 or more.")
        # clip values, gradient_clip_algorithm and on_nonfinite are checked by the engine, ema_decay by add_ema
        super().__init__(
            optimizers={"generator": generator_optimizer, "discriminator": discriminator_optimizer},
            schedulers={"generator": generator_scheduler, "discriminator": discriminator_scheduler},
            clip_vals={"generator": generator_clip_val, "discriminator": discriminator_clip_val},
            gradient_clip_algorithm=gradient_clip_algorithm,
            on_nonfinite=on_nonfinite,
        )
        self.generator = generator
        # pack 1 keeps the discriminator as given: same module tree, same checkpoints as before packing existed
        self.discriminator = (
            discriminator if pack == 1 else PackedDiscriminator(discriminator, pack, num_classes)
        )
        self.pack = pack
        self.d_steps = d_steps
        self.latent_dim = latent_dim if latent_dim is not None else getattr(generator, "latent_dim", None)
        if self.latent_dim is None:
            raise ConfigError(
                f"The size of the noise is unknown: give {family}(latent_dim=...) or a generator "
                "with a `latent_dim` attribute."
            )
        check_latent_dim(self.latent_dim)
        self.ema_decay = ema_decay
        self.add_ema("generator", ema_decay)
        self.num_classes = num_classes
        self.fake_labels = fake_labels
        self.ac_weight = ac_weight
        if num_classes is not None:
            # fake-label distribution; a buffer so that sample() after load_gan draws like training did
            self.register_buffer("label_probs", torch.full((num_classes,), 1.0 / num_classes))
        with warnings.catch_warnings():
            # Lightning warns that network arguments (BiGAN's encoder, a passed generator) are nn.Modules in the
            # hyperparameters; they are removed from them just below, so the advice does not apply.
            warnings.filterwarnings("ignore", message=r"Attribute '\w+' is an instance of `nn.Module`")
            self.save_hyperparameters()
        # Keep checkpoints loadable with weights_only=True: network objects and optimizer factories are not
        # hyperparameters (LightningCLI runs store their class_path dicts instead, which stay).
        self.remove_ignored_hparams(
            [
                k
                for k, v in self.hparams.items()
                if isinstance(v, nn.Module) or (callable(v) and not isinstance(v, type))
            ]
        )

    # properties kept from 0.1.0, where these options were attributes of the GAN itself
    @property
    def generator_optimizer(self) -> OptimizerCallable | None:
        return self.phase_optimizers["generator"]

    @property
    def discriminator_optimizer(self) -> OptimizerCallable | None:
        return self.phase_optimizers["discriminator"]

    @property
    def generator_clip_val(self) -> float | None:
        return self.phase_clip_vals["generator"]

    @property
    def discriminator_clip_val(self) -> float | None:
        return self.phase_clip_vals["discriminator"]

    # ----------------------------------------------------------------------------------------------- hooks
    def sample_noise(self, n: int) -> torch.Tensor:
        """``(n, latent_dim)`` standard normal noise on the module's device."""
        return torch.randn(n, self.latent_dim, device=self.device)

    def draw_latent(self, n: int) -> Latent:
        """The generator's input for ``n`` samples: ``sample_noise(n)``, then the labels of a conditional model.

        InfoGAN overrides it to add ``codes``; the noise is drawn first so that seeded noise (``sample_noise``
        under a seed, as the tools draw it) and training agree.
        """
        z = self.sample_noise(n)
        return Latent(z) if self.num_classes is None else Latent(z, labels=self.draw_labels(n))

    def draw_labels(self, n: int) -> torch.Tensor:
        """``(n,)`` fake labels: uniform over the classes or by the data's frequencies (``fake_labels``)."""
        if self.fake_labels == "uniform":
            return torch.randint(self.num_classes, (n,), device=self.device)
        return torch.multinomial(self.label_probs, n, replacement=True)

    def generate(self, latent: Latent, generator: nn.Module | None = None) -> torch.Tensor:
        """``(N, *data_shape)`` samples from ``latent`` with ``generator`` (default: the trained generator).

        Unconditional: ``generator(z)``; conditional: ``generator(z, labels)``.
        """
        net = self.generator if generator is None else generator
        return net(latent.z) if latent.labels is None else net(latent.z, latent.labels)

    def discriminator_inputs(
        self, real: torch.Tensor, labels: torch.Tensor | None, fake: torch.Tensor, latent: Latent
    ) -> tuple[tuple, tuple]:
        """What the discriminator sees: ``(real_inputs, fake_inputs)``, each the positional arguments of one
        ``discriminator(*inputs)`` call.

        Unconditional: ``((x,), (G(z),))``; conditional: ``((x, y), (G(z, y'), y'))``. BiGAN would return
        ``((x, E(x)), (G(z), z))``. Called in both phases, inside the phase's toggled optimizer, so a network
        used here (an encoder) is trained only in the phase whose optimizer holds it.

        Args:
            real: ``(N, *data_shape)`` data batch.
            labels: ``(N,)`` its labels, or None.
            fake: ``(N, *data_shape)`` generated from ``latent`` (detached in the discriminator phase).
            latent: what ``fake`` was generated from.
        """
        if self.num_classes is None:
            return (real,), (fake,)
        return (real, labels), (fake, latent.labels)

    def phase_parameters(self, phase: Literal["generator", "discriminator"]) -> list[nn.Parameter]:
        """The parameters the ``phase``'s optimizer trains: the generator's, or the discriminator's.

        Extra networks join a phase here (BiGAN's encoder the generator's; InfoGAN's Q head both). A
        parameter may be in both optimizers: each phase's toggle enables exactly its own optimizer's parameters.
        """
        return list((self.generator if phase == "generator" else self.discriminator).parameters())

    def auxiliary_losses(
        self,
        phase: Literal["generator", "discriminator"],
        real_output,
        fake_output,
        labels: torch.Tensor | None,
        latent: Latent,
    ) -> dict[str, torch.Tensor]:
        """Extra loss terms of a phase from the discriminator's structured outputs; each is added and logged.

        The base module's only term is the ACGAN class loss (``ac_weight`` > 0). InfoGAN adds its mutual
        information term in both phases; BiGAN its encoder term in the generator phase.

        Args:
            phase: ``"discriminator"`` or ``"generator"``.
            real_output: the discriminator's output on the real inputs (None in the generator phase unless
                ``generator_sees_real``).
            fake_output: its output on the fake inputs.
            labels: ``(N,)`` the real batch's labels, or None.
            latent: what the fakes were generated from.
        """
        if not self.ac_weight:
            return {}
        fake_term = F.cross_entropy(auxiliary_of(fake_output), latent.labels)
        if phase == "generator":
            return {"ac": self.ac_weight * fake_term}
        return {"ac": self.ac_weight * (F.cross_entropy(auxiliary_of(real_output), labels) + fake_term)}

    def discriminator_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        """Scalar loss the discriminator minimises, from ``(N,)`` logits on real and generated samples."""
        return losses.bce_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """Scalar loss the generator minimises, from ``(N,)`` discriminator logits on generated samples."""
        return losses.nonsaturating_generator_loss(fake_logits)

    def regularizer(self, real: torch.Tensor | tuple, fake: torch.Tensor | tuple) -> dict[str, torch.Tensor]:
        """Extra discriminator loss terms, e.g. ``{"gp": weighted_penalty}``; each is added and logged.

        Args:
            real: what the discriminator sees for the real batch: the ``(N, *data_shape)`` tensor, or the
                tuple of its inputs when it takes several (conditional: ``(x, labels)``).
            fake: the same for the generated batch (detached).
        """
        return {}

    def step_metrics(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> dict[str, torch.Tensor]:
        """Extra scalars logged under ``train/`` on logged batches, from the last discriminator step's outputs."""
        return {}

    # ---------------------------------------------------------------------------------------- generation
    @override
    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """``(N, latent_dim)`` noise (and ``(N,)`` labels when conditional) -> ``(N, *data_shape)`` samples
        (training-mode generator)."""
        return self.generate(Latent(z, labels=labels))

    @property
    def sampling_generator(self) -> nn.Module:
        """The network used by ``sample`` and evaluation: ``generator_ema`` when EMA is on, else the generator."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    @torch.no_grad()
    def sample(
        self,
        n: int | None = None,
        z: torch.Tensor | None = None,
        ema: bool = True,
        labels: int | torch.Tensor | list[int] | None = None,
    ) -> torch.Tensor:
        """Generates ``(n, *data_shape)`` samples in eval mode (batch norm uses running statistics).

        Pass either ``n`` (fresh noise) or ``z`` of shape ``(n, latent_dim)``. ``ema=False`` uses the trained
        generator even when ``sampling_generator`` is an EMA copy.

        Args:
            labels: conditional models only: one class for every sample (an int) or ``(n,)`` classes; None
                draws them as in training (``fake_labels``). ``n`` may be left out when ``labels`` is a sequence.
        """
        latent = self.sampling_latent(n, z, labels)
        net = self.sampling_generator if ema else self.generator
        was_training = net.training
        net.eval()
        try:
            return self.generate(latent.to(self.device), net)
        finally:
            net.train(was_training)

    def sampling_latent(
        self,
        n: int | None = None,
        z: torch.Tensor | None = None,
        labels: int | torch.Tensor | list[int] | None = None,
    ) -> Latent:
        """The latent ``sample`` generates from: ``z`` (or fresh noise for ``n``) with ``labels`` (see ``sample``)."""
        if labels is not None:
            if self.num_classes is None:
                raise ConfigError(
                    "labels were given but this model is unconditional (num_classes is None). Drop the labels "
                    "(--class/--balance), or train a conditional model with model num_classes: K."
                )
            if not isinstance(labels, int):
                labels = torch.as_tensor(labels, dtype=torch.long).flatten()
                n = n if n is not None or z is not None else len(labels)
        if z is None and n is None:
            raise ValueError("sample() needs n, z or a sequence of labels")
        if labels is not None:
            # given labels: draw nothing else from the global RNG (SampleGrid samples during training, and a
            # callback must not change what the run trains); a family with more latent parts overrides this
            latent = Latent(self.sample_noise(n) if z is None else z)
        elif z is None:
            latent = self.draw_latent(n)
        else:
            latent = Latent(z) if self.num_classes is None else Latent(z, labels=self.draw_labels(len(z)))
        if labels is not None:
            latent.labels = check_labels_in_range(labels, len(latent), self.num_classes).to(latent.z.device)
        return latent

    # ------------------------------------------------------------------------------------------ training
    def _training_latent(self, n: int) -> Latent:
        """The latent (noise, labels, codes) for this process's share of a training step: ``draw_latent(n)``,
        different on every DDP rank (``AdversarialModule.rank_share``)."""
        return self.rank_share(self.draw_latent, n)

    def _real_batch(self, batch) -> tuple[torch.Tensor, torch.Tensor | None]:
        real, labels = split_batch(batch)
        if self.num_classes is not None and labels is None:
            raise ConfigError(
                f"model num_classes is {self.num_classes} (conditional) but the data batches carry no labels. "
                "Use a labelled data module (digits, MNIST, FashionMNIST, CIFAR-10, ImageFolder) or remove "
                "model num_classes to train an unconditional GAN."
            )
        usable = real.shape[0] - real.shape[0] % self.pack
        if usable < real.shape[0]:  # a smaller last batch: whole packs only (batch_size is checked at start)
            real, labels = real[:usable], None if labels is None else labels[:usable]
        return real, labels

    @override
    def training_step(self, batch, batch_idx: int) -> dict[str, torch.Tensor] | None:
        real, labels = self._real_batch(batch)
        if real.shape[0] == 0:  # a last batch smaller than one pack: nothing to train on
            return None
        opt_g, opt_d = self.optimizers()
        n = real.shape[0]
        seen = {}  # what the last discriminator step saw, for step_metrics

        for i in range(self.d_steps):
            latent = self._training_latent(n)
            if i == self.d_steps - 1:
                # The last discriminator step's fake batch is reused by the generator step: generated once,
                # with a graph, before any toggling (a toggled optimizer freezes the other network's params).
                fake = self.generate(latent)
                fake_for_d = fake.detach()
            else:
                with torch.no_grad():
                    fake_for_d = self.generate(latent)

            def discriminator_phase(fake_for_d=fake_for_d, latent=latent):
                real_in, fake_in = self.discriminator_inputs(real, labels, fake_for_d, latent)
                real_out = self.discriminator(*real_in)
                fake_out = self.discriminator(*fake_in)
                seen["real"], seen["fake"] = logits_of(real_out), logits_of(fake_out)
                d_loss = self.discriminator_loss(seen["real"], seen["fake"])
                extra = self.regularizer(what_d_sees(real_in), what_d_sees(fake_in))
                extra |= self.auxiliary_losses("discriminator", real_out, fake_out, labels, latent)
                return d_loss, extra

            d_result = self.run_phase("discriminator", discriminator_phase, opt_d)
            if d_result is None:
                return None

        def generator_phase():
            real_in, fake_in = self.discriminator_inputs(real, labels, fake, latent)
            fake_out = self.discriminator(*fake_in)
            real_out = self.discriminator(*real_in) if self.generator_sees_real else None
            g_loss = self.generator_loss(logits_of(fake_out))
            return g_loss, self.auxiliary_losses("generator", real_out, fake_out, labels, latent)

        g_result = self.run_phase("generator", generator_phase, opt_g)
        if g_result is None:
            return None
        self.end_counted_step()

        (d_loss, extra), (g_loss, g_extra) = d_result, g_result
        d_loss, g_loss = d_loss.detach(), g_loss.detach()
        extra = extra | {f"g_{k}": v for k, v in g_extra.items()}
        if self.step_metrics_are_logged(batch_idx):
            extra_metrics = extra | self.step_metrics(seen["real"].detach(), seen["fake"].detach())
            self.log_step_metrics({"d_loss": d_loss, "g_loss": g_loss} | extra_metrics)
        # Every step, for callbacks (``outputs`` of ``on_train_batch_end``): detached tensors, no host sync.
        return {"d_loss": d_loss, "g_loss": g_loss} | {k: v.detach() for k, v in extra.items()}

    @override
    def on_fit_start(self) -> None:
        check_data_shape(self, self.trainer.datamodule)
        check_data_labels(self, self.trainer.datamodule)
        check_batch_size(self, self.trainer.datamodule)
