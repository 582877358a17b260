"""The GAN base module: one LightningModule that owns the adversarial training loop.

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

Robustness (see the README's "Scaling and robustness"): an optional EMA copy of the generator for sampling,
per-network gradient clipping, a guard against NaN/Inf losses, RNG states in checkpoints for an exact resume,
and DDP set up so that a step which leaves one network unused works.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from functools import partial
from typing import Literal

import torch
import torch.nn.functional as F
from lightning.pytorch import LightningModule
from lightning.pytorch.core.optimizer import LightningOptimizer
from lightning.pytorch.strategies import DDPStrategy
from lightning.pytorch.utilities import rank_zero_warn
from torch import nn
from typing_extensions import override

from lightning_gans import losses
from lightning_gans.ema import ema_decay_at, make_ema_copy, update_ema
from lightning_gans.errors import ConfigError, DivergenceError
from lightning_gans.modules.latent import Latent, split_batch
from lightning_gans.nets.packing import PackedDiscriminator, check_pack
from lightning_gans.preemption import Preemption, stop_after_this_step
from lightning_gans.rng import collect_rng_states, restore_rng_states

# ModelCheckpoint(every_n_train_steps=...) warns on every manual-optimization run that the checkpoint holds the
# state *after* the step. That is what an exact resume needs: the weights, optimizer states and counters of step t.
warnings.filterwarnings(
    "ignore", message="Using ModelCheckpoint with manual optimization and every_n_train_steps"
)

OptimizerCallable = Callable[[Iterable[torch.Tensor]], torch.optim.Optimizer]
SchedulerCallable = Callable[[torch.optim.Optimizer], torch.optim.lr_scheduler.LRScheduler]
"""``optimizer -> LRScheduler``, e.g. ``partial(LinearLR, start_factor=1.0, end_factor=0.0, total_iters=steps)``;
the same form as ``lightning.pytorch.cli.LRSchedulerCallable``, so configs give it as ``class_path``/``init_args``."""


def adam(lr: float, betas: tuple[float, float]) -> OptimizerCallable:
    """An optimizer factory for the defaults: ``adam(2e-4, (0.5, 0.999))(params)``."""
    return partial(torch.optim.Adam, lr=lr, betas=betas)


def real_samples(batch: torch.Tensor | tuple | list) -> torch.Tensor:
    """The images/points of a batch: data modules yield either ``x`` or ``(x, label)``."""
    return split_batch(batch)[0]


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


def _do_nothing() -> None:
    return None


def given_or_default(network: nn.Module | None, make_default: Callable[[], nn.Module]) -> nn.Module:
    """The network a user passed, else a freshly built default (``is None``, not truthiness: containers of
    zero length are falsy)."""
    return network if network is not None else make_default()


def latent_dim_of(generator: nn.Module | None, default: int) -> int:
    """A passed generator's own ``latent_dim`` wins over the variant's default."""
    return getattr(generator, "latent_dim", default) if generator is not None else default


class GAN(LightningModule):
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
        super().__init__()
        check_conditioning(num_classes, fake_labels, ac_weight)
        check_packing(pack, ac_weight, type(self).__name__, self.packing_refusal)
        if d_steps < 1:
            raise ConfigError(f"d_steps must be >= 1, got {d_steps}. Set model d_steps to 1 or more.")
        if not 0.0 <= ema_decay < 1.0:
            raise ConfigError(f"ema_decay must be in [0, 1) (0 = no EMA; 0.999 is typical), got {ema_decay}.")
        for name, value in [
            ("generator_clip_val", generator_clip_val),
            ("discriminator_clip_val", discriminator_clip_val),
        ]:
            if value is not None and value <= 0:
                raise ConfigError(f"{name} must be > 0 (or null for no clipping), got {value}.")
        if gradient_clip_algorithm not in ("norm", "value"):
            raise ConfigError(
                f"gradient_clip_algorithm must be 'norm' or 'value', got {gradient_clip_algorithm!r}."
            )
        if on_nonfinite not in ("stop", "skip", "off"):
            raise ConfigError(f"on_nonfinite must be 'stop', 'skip' or 'off', got {on_nonfinite!r}.")
        check_optimizer("generator", generator_optimizer)
        check_optimizer("discriminator", discriminator_optimizer)
        self.automatic_optimization = False
        self.generator = generator
        # pack 1 keeps the discriminator as given: same module tree, same checkpoints as before packing existed
        self.discriminator = (
            discriminator if pack == 1 else PackedDiscriminator(discriminator, pack, num_classes)
        )
        self.pack = pack
        self.d_steps = d_steps
        self.generator_optimizer = generator_optimizer
        self.discriminator_optimizer = discriminator_optimizer
        self.generator_scheduler = generator_scheduler
        self.discriminator_scheduler = discriminator_scheduler
        self.latent_dim = latent_dim if latent_dim is not None else getattr(generator, "latent_dim", None)
        if self.latent_dim is None:
            raise ValueError(
                f"The size of the noise is unknown: give {type(self).__name__}(latent_dim=...) or a generator "
                "with a `latent_dim` attribute."
            )
        self.ema_decay = ema_decay
        self.generator_ema = make_ema_copy(generator) if ema_decay > 0 else None
        self.generator_clip_val = generator_clip_val
        self.discriminator_clip_val = discriminator_clip_val
        self.gradient_clip_algorithm = gradient_clip_algorithm
        self.on_nonfinite = on_nonfinite
        self.num_classes = num_classes
        self.fake_labels = fake_labels
        self.ac_weight = ac_weight
        if num_classes is not None:
            # fake-label distribution; a buffer so that sample() after load_gan draws like training did
            self.register_buffer("label_probs", torch.full((num_classes,), 1.0 / num_classes))
        self.skipped_batches = 0
        self._has_schedulers = False  # set by configure_optimizers
        self._rng_states_to_restore: dict | None = None
        self._preemption = Preemption()
        self.preempted = False
        """True once a SIGTERM stopped training (see ``lightning_gans.preemption``)."""
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
    @override
    def configure_optimizers(self):
        make_g = self.generator_optimizer or self.default_optimizer
        make_d = self.discriminator_optimizer or self.default_optimizer
        optimizers = [
            make_g(self.phase_parameters("generator")),
            make_d(self.phase_parameters("discriminator")),
        ]
        schedulers = []
        for network, make, optimizer in zip(
            ("generator", "discriminator"),
            (self.generator_scheduler, self.discriminator_scheduler),
            optimizers,
            strict=True,
        ):
            if make is not None:
                schedulers.append(build_scheduler(network, make, optimizer))
        self._has_schedulers = bool(schedulers)
        return (optimizers, schedulers) if schedulers else optimizers

    def _training_latent(self, n: int) -> Latent:
        """The latent (noise, labels, codes) for this process's share of a training step: ``draw_latent(n)``.

        Under DDP every rank's global RNG runs in lockstep (``seed_everything`` gives all ranks one seed, and the
        checkpoint's RNG state, rank 0's, is then right for every rank on resume). Plain ``draw_latent(n)`` would
        thus give every rank the same noise and the same fake batch. Drawing all ranks' latents and keeping this
        rank's rows gives each rank its own fakes while the streams stay in lockstep.
        """
        world_size = self.trainer.world_size
        if world_size == 1:
            return self.draw_latent(n)
        rank = self.trainer.global_rank
        return self.draw_latent(world_size * n).rows(slice(rank * n, (rank + 1) * n))

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

    def _step_discriminator(self, opt_d: LightningOptimizer) -> None:
        # Through the strategy (precision plugin, grad scaler, hooks) but not LightningOptimizer.step, which
        # would count this update in trainer.global_step: global_step counts generator updates only.
        self.trainer.strategy.optimizer_step(opt_d.optimizer, _do_nothing)

    @override
    def training_step(self, batch, batch_idx: int) -> dict[str, torch.Tensor]:
        real, labels = self._real_batch(batch)
        opt_g, opt_d = self.optimizers()
        n = real.shape[0]
        if n == 0:  # a last batch smaller than one pack: nothing to train on
            return None

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
            with self.toggled_optimizer(opt_d):
                real_in, fake_in = self.discriminator_inputs(real, labels, fake_for_d, latent)
                real_out = self.discriminator(*real_in)
                fake_out = self.discriminator(*fake_in)
                real_logits, fake_logits = logits_of(real_out), logits_of(fake_out)
                d_loss = self.discriminator_loss(real_logits, fake_logits)
                extra = self.regularizer(what_d_sees(real_in), what_d_sees(fake_in))
                extra |= self.auxiliary_losses("discriminator", real_out, fake_out, labels, latent)
                d_total = d_loss + sum(extra.values()) if extra else d_loss
                if not self._loss_is_finite("discriminator", d_total):
                    return None
                opt_d.zero_grad(set_to_none=True)
                self.manual_backward(d_total)
                self._step_discriminator(opt_d)

        with self.toggled_optimizer(opt_g):
            real_in, fake_in = self.discriminator_inputs(real, labels, fake, latent)
            fake_out = self.discriminator(*fake_in)
            real_out = self.discriminator(*real_in) if self.generator_sees_real else None
            g_loss = self.generator_loss(logits_of(fake_out))
            g_extra = self.auxiliary_losses("generator", real_out, fake_out, labels, latent)
            g_total = g_loss + sum(g_extra.values()) if g_extra else g_loss
            if not self._loss_is_finite("generator", g_total):
                return None
            opt_g.zero_grad(set_to_none=True)
            self.manual_backward(g_total)
            opt_g.step()
        self._update_generator_ema()
        self._step_schedulers()

        d_loss, g_loss = d_loss.detach(), g_loss.detach()
        extra = extra | {f"g_{k}": v for k, v in g_extra.items()}
        if self._step_metrics_are_logged(batch_idx):
            extra_metrics = extra | self.step_metrics(real_logits.detach(), fake_logits.detach())
            self._log_step_metrics({"d_loss": d_loss, "g_loss": g_loss} | extra_metrics)
        # Every step, for callbacks (``outputs`` of ``on_train_batch_end``): detached tensors, no host sync.
        return {"d_loss": d_loss, "g_loss": g_loss} | {k: v.detach() for k, v in extra.items()}

    # ----------------------------------------------------------------------------------------- speed
    def _step_metrics_are_logged(self, batch_idx: int) -> bool:
        """True on the batches whose step metrics someone reads: a logger writes them (every
        ``log_every_n_steps`` batches), the progress bar redraws, or the epoch's first batch (so that
        ``trainer.callback_metrics`` has every key from the start, e.g. for a ``ModelCheckpoint`` monitor).

        ``self.log`` costs hundreds of microseconds of Python per call, so the other batches skip it; the
        progress bar and ``callback_metrics`` keep the last logged values. Callbacks that need every step read
        ``outputs`` (see ``training_step``).
        """
        trainer = self._trainer
        should_update = getattr(getattr(trainer, "_logger_connector", None), "should_update_logs", None)
        if should_update is None or should_update or trainer.fast_dev_run or batch_idx == 0:
            return True
        bar = trainer.progress_bar_callback
        refresh_rate = getattr(bar, "refresh_rate", 0) if bar is not None and bar.is_enabled else 0
        return refresh_rate > 0 and (batch_idx + 1) % refresh_rate == 0

    def _log_step_metrics(self, metrics: dict[str, torch.Tensor]) -> None:
        """Logs ``train/<name>`` for each scalar; the two losses also go to the progress bar.

        All values come to the host in one copy (one sync with the GPU per logging step). Logging host tensors
        matters beyond that: Lightning turns every progress-bar metric into a Python float after *every* batch,
        stale ones included, which for a GPU tensor is a host sync on every step.
        """
        values = torch.stack([v.detach().float().reshape(()) for v in metrics.values()]).cpu()
        for name, value in zip(metrics, values, strict=True):
            self.log(
                f"train/{name}", value, prog_bar=name in ("d_loss", "g_loss"), on_step=True, on_epoch=False
            )

    def _loss_is_finite(self, network: str, loss: torch.Tensor) -> bool:
        """The divergence guard: True to go on with this update; raises or returns False on NaN/Inf."""
        if self.on_nonfinite == "off":
            return True
        scaler = getattr(self.trainer.precision_plugin, "scaler", None)
        if scaler is not None and scaler.is_enabled():
            # 16-mixed: an Inf from fp16 overflow is routine; the GradScaler skips that step and lowers its
            # scale. Parameters stay finite, which on_save_checkpoint still checks.
            return True
        # every rank must take the same branch (a rank that skips a backward would hang DDP's all-reduce)
        finite = self.trainer.strategy.reduce_boolean_decision(bool(torch.isfinite(loss)), all=True)
        if finite:
            return True
        step = self.trainer.global_step
        if self.on_nonfinite == "skip":
            self.skipped_batches += 1
            rank_zero_warn(
                f"The {network} loss is {loss.item()} at generator step {step}: skipped the rest of this batch "
                f"({self.skipped_batches} skipped so far; on_nonfinite: skip)."
            )
            return False
        raise DivergenceError(
            f"Training diverged: the {network} loss is {loss.item()} at generator step {step}. Stopped before "
            "applying it, so the weights in memory and every saved checkpoint are from before the divergence "
            "(resume with --ckpt_path last). Fixes: lower the learning rates, set model generator_clip_val / "
            "discriminator_clip_val, use bf16-mixed or 32-true instead of 16-mixed, or set model on_nonfinite: skip "
            "to drop such batches."
        )

    @override
    def on_before_optimizer_step(self, optimizer: torch.optim.Optimizer) -> None:
        # Gradient clipping lives here, not in training_step: the precision plugin calls this hook for every
        # optimizer step (D steps included) after unscaling fp16 gradients, so the clip value is in real units.
        opt_g, _ = self.optimizers(use_pl_optimizer=False)
        clip_val = self.generator_clip_val if optimizer is opt_g else self.discriminator_clip_val
        if clip_val is not None:
            self.clip_gradients(
                optimizer, gradient_clip_val=clip_val, gradient_clip_algorithm=self.gradient_clip_algorithm
            )

    def _schedulers(self) -> list:
        """The configured learning-rate schedulers as a list (``lr_schedulers()`` gives None, one, or a list)."""
        if not self._has_schedulers:  # skips lr_schedulers()'s per-step Python when there are none
            return []
        schedulers = self.lr_schedulers()
        return schedulers if isinstance(schedulers, list) else [schedulers]

    def _step_schedulers(self) -> None:
        # Manual optimization: Lightning stores, saves and restores the schedulers but never steps them.
        for scheduler in self._schedulers():
            scheduler.step()

    def _update_generator_ema(self) -> None:
        # Called right after the generator step, inside training_step: callbacks' on_train_batch_end (e.g.
        # ModelCheckpoint) run before the module's, and a checkpoint must hold this step's average.
        if self.generator_ema is not None:
            # global_step has counted this batch's generator update: the EMA's update index is global_step - 1
            decay = ema_decay_at(self.trainer.global_step - 1, self.ema_decay)
            update_ema(self.generator_ema, self.generator, decay)

    # -------------------------------------------------------------------------------------- checkpoints
    @override
    def on_save_checkpoint(self, checkpoint: dict) -> None:
        # lets lightning_gans.checkpoint.load_gan rebuild the right class without unpickling anything
        checkpoint["lightning_gans_class"] = f"{type(self).__module__}.{type(self).__qualname__}"
        # never write a diverged model over a good checkpoint (a finite loss can still give Inf gradients)
        if self.on_nonfinite != "off":
            bad = [name for name, p in self.named_parameters() if not torch.isfinite(p).all()]
            if bad:
                raise DivergenceError(
                    f"Not saving a checkpoint at generator step {self.trainer.global_step}: parameters "
                    f"{', '.join(bad[:5])} contain NaN/Inf. The last checkpoint on disk is the last good one "
                    "(resume with --ckpt_path last). Fixes: lower the learning rates or set model "
                    "generator_clip_val / discriminator_clip_val."
                )
        checkpoint["lightning_gans_rng"] = collect_rng_states()

    @override
    def on_load_checkpoint(self, checkpoint: dict) -> None:
        # restored in on_train_start, after Lightning's own set-up (which may draw random numbers)
        self._rng_states_to_restore = checkpoint.get("lightning_gans_rng")

    @override
    def on_train_start(self) -> None:
        if self._rng_states_to_restore is not None:
            restore_rng_states(self._rng_states_to_restore)
            self._rng_states_to_restore = None
        self._warn_if_a_schedule_ends_early()
        # after Lightning's own handlers (registered just before training starts), which it restores at teardown
        self.preempted = False
        self._preemption.install(self.trainer)

    @override
    def on_train_batch_end(self, outputs, batch, batch_idx: int) -> None:
        # after the callbacks' on_train_batch_end (ModelCheckpoint's cadence): a step boundary that resumes exactly
        if self._preemption.stop_requested(self.trainer):
            self.preempted = True
            stop_after_this_step(self.trainer)

    @override
    def on_train_end(self) -> None:
        self._preemption.uninstall()

    def _warn_if_a_schedule_ends_early(self) -> None:
        # The classic slip: `--trainer.max_steps 8000` on a config whose LinearLR decays to 0 over 4000 steps
        # would train the second half with a learning rate of exactly 0.
        max_steps = self.trainer.max_steps
        if max_steps is None or max_steps < 0:
            return
        for scheduler in self._schedulers():
            if (
                isinstance(scheduler, torch.optim.lr_scheduler.LinearLR)
                and scheduler.end_factor == 0
                and scheduler.total_iters < max_steps
            ):
                rank_zero_warn(
                    f"A LinearLR schedule decays a learning rate to 0 at generator step {scheduler.total_iters}, "
                    f"before trainer.max_steps={max_steps}: the remaining steps would not train. Set its "
                    f"total_iters to {max_steps} (model generator_scheduler / discriminator_scheduler)."
                )

    # ---------------------------------------------------------------------------------------- validation
    @override
    def configure_callbacks(self):
        # Lightning calls this before validating the trainer's settings: the one place to replace its error
        # about Trainer(gradient_clip_val=...) by one that points to this module's arguments.
        if self._trainer is not None and self.trainer.gradient_clip_val:
            raise ConfigError(
                f"Trainer(gradient_clip_val={self.trainer.gradient_clip_val}) does not work with a GAN's manual "
                "optimization. Remove trainer.gradient_clip_val and set model generator_clip_val and/or "
                "discriminator_clip_val (and gradient_clip_algorithm) instead."
            )
        return []

    @override
    def setup(self, stage: str) -> None:
        strategy = self.trainer.strategy
        if isinstance(strategy, DDPStrategy) and "find_unused_parameters" not in strategy._ddp_kwargs:
            # DDP wraps the whole module, but each update trains one network: a discriminator step leaves the
            # generator's parameters unused (toggled off) and DDP would wait forever for their gradients.
            # find_unused_parameters marks them ready after each backward; its graph walk starts from the loss,
            # so it also reaches the discriminator parameters used only through the gradient penalty.
            strategy._ddp_kwargs["find_unused_parameters"] = True

    @override
    def on_fit_start(self) -> None:
        check_data_shape(self, self.trainer.datamodule)
        check_data_labels(self, self.trainer.datamodule)
        check_batch_size(self, self.trainer.datamodule)


def check_optimizer(network: str, factory: OptimizerCallable | None) -> None:
    """Builds the optimizer on a dummy parameter so a bad setting (a negative learning rate) fails at start-up."""
    if factory is None:
        return
    try:
        optimizer = factory([nn.Parameter(torch.zeros(1))])
    except ValueError as err:  # torch.optim's own argument checks
        raise ConfigError(
            f"The {network} optimizer refuses its settings: {err}. Fix model {network}_optimizer "
            "(learning rates must be >= 0, e.g. lr: 0.0002)."
        ) from err
    except Exception:  # e.g. an option that needs CUDA tensors: configure_optimizers will tell
        return
    for group in optimizer.param_groups:
        lr = group.get("lr")
        if isinstance(lr, int | float) and lr < 0:  # some optimizers do not check
            raise ConfigError(
                f"The {network} optimizer has a negative learning rate ({lr}). Set model {network}_optimizer "
                "lr to a positive value, e.g. 0.0002."
            )


def build_scheduler(
    network: str, make: SchedulerCallable, optimizer: torch.optim.Optimizer
) -> torch.optim.lr_scheduler.LRScheduler:
    """``make(optimizer)``, refusing schedulers that cannot be stepped once per generator step without a metric."""
    scheduler = make(optimizer)
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        raise ConfigError(
            f"model {network}_scheduler is ReduceLROnPlateau, which needs a monitored metric; GAN losses are not "
            "a useful one. Use a schedule in generator steps instead, e.g. torch.optim.lr_scheduler.LinearLR "
            "(start_factor: 1.0, end_factor: 0.0, total_iters: <max_steps>) or CosineAnnealingLR (T_max: <max_steps>)."
        )
    return scheduler


def check_data_shape(model: GAN, datamodule) -> None:
    """Raises a ValueError naming both shapes and the fix when the data and the networks disagree."""
    data_shape = getattr(datamodule, "data_shape", None)
    model_shape = getattr(model.generator, "data_shape", None)
    if data_shape is None or model_shape is None or tuple(data_shape) == tuple(model_shape):
        return
    what = (
        "channel count"
        if len(data_shape) == len(model_shape) == 3 and data_shape[0] != model_shape[0]
        else "shape"
    )
    raise ConfigError(
        f"The data's sample {what} does not match the model: data gives {tuple(data_shape)}, "
        f"the generator makes {tuple(model_shape)}. Set model data_shape to {list(data_shape)} "
        "(or change the data module's image_size/channels to match the model)."
    )


def check_conditioning(num_classes: int | None, fake_labels: str, ac_weight: float) -> None:
    """Refuses conditioning settings that cannot work, naming the fix."""
    if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 2):
        raise ConfigError(
            f"num_classes must be an integer >= 2 (the number of classes in the data), got {num_classes!r}. "
            "Set model num_classes to the data's class count, or remove it for an unconditional GAN."
        )
    if fake_labels not in ("uniform", "data"):
        raise ConfigError(f"fake_labels must be 'uniform' or 'data', got {fake_labels!r}.")
    if ac_weight < 0:
        raise ConfigError(f"ac_weight must be >= 0 (0 = no auxiliary classifier), got {ac_weight}.")
    if ac_weight > 0 and num_classes is None:
        raise ConfigError(
            f"ac_weight is {ac_weight} but the model is unconditional: the auxiliary classifier needs class "
            "labels. Set model num_classes: K (the data's class count) or set ac_weight: 0."
        )


def check_packing(pack: int, ac_weight: float, family: str, refusal: str | None) -> None:
    """Refuses packing settings that cannot work, naming the fix."""
    if check_pack(pack) == 1:
        return
    if ac_weight > 0:
        raise ConfigError(
            f"ac_weight is {ac_weight} with pack {pack}: the ACGAN head classifies each sample, but a packed "
            "discriminator sees only packs of samples. Set model ac_weight: 0 or pack: 1."
        )
    if refusal is not None:
        raise ConfigError(f"{family} cannot pack its discriminator (pack {pack}): {refusal} Set pack to 1.")


def check_batch_size(model: GAN, datamodule) -> None:
    """At start-up: a packed discriminator needs batches of whole packs (data modules say ``batch_size``)."""
    batch_size = getattr(datamodule, "batch_size", None)
    if model.pack == 1 or not isinstance(batch_size, int) or batch_size % model.pack == 0:
        return
    lower = batch_size - batch_size % model.pack
    raise ConfigError(
        f"data batch_size {batch_size} is not a multiple of model pack {model.pack}: the discriminator sees "
        f"packs of {model.pack} samples. Set data batch_size to {lower or model.pack} or "
        f"{lower + model.pack}."
    )


def check_labels_in_range(labels: int | torch.Tensor, n: int, num_classes: int) -> torch.Tensor:
    """``(n,)`` long labels from one class (an int) or a sequence of ``n``; a ConfigError names bad classes."""
    labels = torch.full((n,), labels, dtype=torch.long) if isinstance(labels, int) else labels.long()
    if labels.shape != (n,):
        raise ConfigError(f"expected {n} labels (one per sample), got shape {tuple(labels.shape)}.")
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise ConfigError(
            f"class {int(labels.max() if labels.max() >= num_classes else labels.min())} does not exist: this "
            f"model has {num_classes} classes, 0 to {num_classes - 1}."
        )
    return labels


def check_data_labels(model: GAN, datamodule) -> None:
    """At start-up, before any update: a conditional model needs labelled data with its number of classes.

    Data modules say what they yield with ``num_classes`` (None = no class labels) and ``class_counts()``
    (the training split's ``(K,)`` counts). A data module without ``num_classes`` is not checked here; its first
    batch is (``_real_batch``). With ``fake_labels: data`` the model's fake-label distribution is set here.
    """
    if model.num_classes is None or datamodule is None or not hasattr(datamodule, "num_classes"):
        return
    name = type(datamodule).__name__
    data_classes = datamodule.num_classes
    if data_classes is None:
        raise ConfigError(
            f"model num_classes is {model.num_classes} (a conditional GAN) but {name} yields no class labels. "
            "Use a labelled data set (DigitsDataModule, MNIST, FashionMNIST, CIFAR10, ImageFolder) or remove "
            "model num_classes to train an unconditional GAN."
        )
    if data_classes != model.num_classes:
        raise ConfigError(
            f"model num_classes is {model.num_classes} but {name} has {data_classes} classes. Set model "
            f"num_classes: {data_classes}."
        )
    if model.fake_labels == "data":
        if not hasattr(datamodule, "class_counts"):
            raise ConfigError(
                f"fake_labels: data needs the training split's class frequencies, which {name} does not give "
                "(no class_counts()). Set model fake_labels: uniform."
            )
        counts = torch.as_tensor(datamodule.class_counts(), dtype=torch.float)
        model.label_probs.copy_((counts / counts.sum()).to(model.label_probs))
