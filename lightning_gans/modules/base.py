"""The GAN base module: one LightningModule that owns the adversarial training loop.

Variants (``VanillaGAN``, ``DCGAN``, ``WGANGP``) differ only by networks, losses and defaults. To try a new idea,
pass other networks or subclass and override one hook: ``discriminator_loss``, ``generator_loss``,
``regularizer`` or ``sample_noise``.

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
from lightning.pytorch import LightningModule
from lightning.pytorch.core.optimizer import LightningOptimizer
from lightning.pytorch.strategies import DDPStrategy
from lightning.pytorch.utilities import rank_zero_warn
from torch import nn
from typing_extensions import override

from lightning_gans import losses
from lightning_gans.ema import ema_decay_at, make_ema_copy, update_ema
from lightning_gans.errors import ConfigError, DivergenceError
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
    """The images/points of a batch: data modules yield either ``x`` or ``(x, label)``; labels are unused."""
    return batch[0] if isinstance(batch, tuple | list) else batch


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
    """

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
    ) -> None:
        super().__init__()
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
        self.discriminator = discriminator
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

    def discriminator_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        """Scalar loss the discriminator minimises, from ``(N,)`` logits on real and generated samples."""
        return losses.bce_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """Scalar loss the generator minimises, from ``(N,)`` discriminator logits on generated samples."""
        return losses.nonsaturating_generator_loss(fake_logits)

    def regularizer(self, real: torch.Tensor, fake: torch.Tensor) -> dict[str, torch.Tensor]:
        """Extra discriminator loss terms, e.g. ``{"gp": weighted_penalty}``; each is added and logged.

        Args:
            real: ``(N, *data_shape)`` real batch.
            fake: ``(N, *data_shape)`` generated batch, detached.
        """
        return {}

    def step_metrics(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> dict[str, torch.Tensor]:
        """Extra scalars logged under ``train/`` on logged batches, from the last discriminator step's outputs."""
        return {}

    # ---------------------------------------------------------------------------------------- generation
    @override
    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """``(N, latent_dim)`` noise -> ``(N, *data_shape)`` samples (training-mode generator)."""
        return self.generator(z)

    @property
    def sampling_generator(self) -> nn.Module:
        """The network used by ``sample`` and evaluation: ``generator_ema`` when EMA is on, else the generator."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    @torch.no_grad()
    def sample(self, n: int | None = None, z: torch.Tensor | None = None, ema: bool = True) -> torch.Tensor:
        """Generates ``(n, *data_shape)`` samples in eval mode (batch norm uses running statistics).

        Pass either ``n`` (fresh noise) or ``z`` of shape ``(n, latent_dim)``. ``ema=False`` uses the trained
        generator even when ``sampling_generator`` is an EMA copy.
        """
        if z is None:
            if n is None:
                raise ValueError("sample() needs n or z")
            z = self.sample_noise(n)
        net = self.sampling_generator if ema else self.generator
        was_training = net.training
        net.eval()
        try:
            return net(z.to(self.device))
        finally:
            net.train(was_training)

    # ------------------------------------------------------------------------------------------ training
    @override
    def configure_optimizers(self):
        make_g = self.generator_optimizer or self.default_optimizer
        make_d = self.discriminator_optimizer or self.default_optimizer
        optimizers = [make_g(self.generator.parameters()), make_d(self.discriminator.parameters())]
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

    def _training_noise(self, n: int) -> torch.Tensor:
        """``(n, latent_dim)`` noise for this process's share of a training step.

        Under DDP every rank's global RNG runs in lockstep (``seed_everything`` gives all ranks one seed, and the
        checkpoint's RNG state, rank 0's, is then right for every rank on resume). Plain ``sample_noise(n)`` would
        thus give every rank the same noise and the same fake batch. Drawing all ranks' noise and keeping this
        rank's rows gives each rank its own fakes while the streams stay in lockstep.
        """
        world_size = self.trainer.world_size
        if world_size == 1:
            return self.sample_noise(n)
        rank = self.trainer.global_rank
        return self.sample_noise(world_size * n)[rank * n : (rank + 1) * n]

    def _step_discriminator(self, opt_d: LightningOptimizer) -> None:
        # Through the strategy (precision plugin, grad scaler, hooks) but not LightningOptimizer.step, which
        # would count this update in trainer.global_step: global_step counts generator updates only.
        self.trainer.strategy.optimizer_step(opt_d.optimizer, _do_nothing)

    @override
    def training_step(self, batch, batch_idx: int) -> dict[str, torch.Tensor]:
        real = real_samples(batch)
        opt_g, opt_d = self.optimizers()
        n = real.shape[0]

        for i in range(self.d_steps):
            z = self._training_noise(n)
            if i == self.d_steps - 1:
                # The last discriminator step's fake batch is reused by the generator step: generated once,
                # with a graph, before any toggling (a toggled optimizer freezes the other network's params).
                fake = self.generator(z)
                fake_for_d = fake.detach()
            else:
                with torch.no_grad():
                    fake_for_d = self.generator(z)
            with self.toggled_optimizer(opt_d):
                real_logits = self.discriminator(real)
                fake_logits = self.discriminator(fake_for_d)
                d_loss = self.discriminator_loss(real_logits, fake_logits)
                extra = self.regularizer(real, fake_for_d)
                d_total = d_loss + sum(extra.values()) if extra else d_loss
                if not self._loss_is_finite("discriminator", d_total):
                    return None
                opt_d.zero_grad(set_to_none=True)
                self.manual_backward(d_total)
                self._step_discriminator(opt_d)

        with self.toggled_optimizer(opt_g):
            g_loss = self.generator_loss(self.discriminator(fake))
            if not self._loss_is_finite("generator", g_loss):
                return None
            opt_g.zero_grad(set_to_none=True)
            self.manual_backward(g_loss)
            opt_g.step()
        self._update_generator_ema()
        self._step_schedulers()

        d_loss, g_loss = d_loss.detach(), g_loss.detach()
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
