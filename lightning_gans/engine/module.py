"""``AdversarialModule``: what every adversarial LightningModule needs, whatever its loop.

A family writes its own ``training_step`` from phases. One phase is one network group's update::

    result = self.run_phase("discriminator", lambda: (d_loss, {"gp": penalty}))

``run_phase`` toggles that phase's optimizer (the other groups' parameters frozen), computes the loss inside the
toggle, checks it is finite (the divergence guard, the same decision on every DDP rank), back-propagates with
``manual_backward`` (precision plugin, DDP), clips (``on_before_optimizer_step``) and steps. Exactly one phase,
``counted_phase``, counts as a step of ``trainer.global_step``; the others step through the strategy without
Lightning's counter, so ``max_steps``, checkpoint cadence and the logger's x-axis count that phase's updates
(for a GAN: generator updates, whatever ``d_steps`` is). After the counted phase a family calls
``end_counted_step()`` (EMA update, then the schedulers).

Also here: the optimizers and schedulers of every phase (built from factories, ``options``), the logging
cadence (``step_metrics_are_logged``, ``log_step_metrics``), EMA copies of named networks, gradient clipping per
phase, checkpoint / RNG / pre-emption hooks, and the DDP set-up. ``GAN`` (the z -> x loop with its family hooks)
and the translation models stand on it; docs/DESIGN.md draws the layers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch
from lightning.pytorch import LightningModule
from lightning.pytorch.core.optimizer import LightningOptimizer
from lightning.pytorch.strategies import DDPStrategy
from lightning.pytorch.utilities import rank_zero_warn
from torch import nn
from typing_extensions import override

from lightning_gans.data.transforms import PREPROCESSING_KEY, preprocessing_of
from lightning_gans.ema import ema_decay_at, make_ema_copy, update_ema
from lightning_gans.engine.checkpoint import CLASS_KEY, public_class_path
from lightning_gans.engine.options import (
    LinearDecayLR,
    OptimizerCallable,
    SchedulerCallable,
    adam,
    build_scheduler,
    check_engine_options,
    check_optimizer,
)
from lightning_gans.errors import ConfigError, DivergenceError
from lightning_gans.preemption import Preemption, stop_after_this_step
from lightning_gans.rng import collect_rng_states, restore_rng_states

# ModelCheckpoint(every_n_train_steps=...) warns on every manual-optimization run that the checkpoint holds the
# state *after* the step. That is what an exact resume needs: the weights, optimizer states and counters of step t.
warnings.filterwarnings(
    "ignore", message="Using ModelCheckpoint with manual optimization and every_n_train_steps"
)

RNG_KEY = "lightning_gans_rng"
"""Checkpoint key of the RNG states (CPU, CUDA, numpy, random) for an exact resume."""

PhaseLoss = tuple[torch.Tensor, dict[str, torch.Tensor]]
"""What a phase computes: its main loss and extra named terms, all scalars; their sum is minimised."""


def _do_nothing() -> None:
    return None


class AdversarialModule(LightningModule):
    """The engine under every family: manual optimization in phases, one optimizer per phase.

    Args:
        optimizers: phase name -> ``params -> Optimizer`` factory, or None for ``default_optimizer``. The order
            is the order of ``configure_optimizers`` (and of the optimizer states in a checkpoint).
        schedulers: phase name -> ``optimizer -> LRScheduler`` factory or None (constant). Every scheduler is
            stepped once per **counted** step (``end_counted_step``), so lengths (``total_iters``, ``T_max``) are
            in counted steps like every length in this library; states are saved and restored on resume.
            ``ReduceLROnPlateau`` (which needs a metric) is refused.
        clip_vals: phase name -> clip value for that phase's gradients before each of its steps (after fp16
            unscaling), or None. ``Trainer(gradient_clip_val=...)`` cannot work with manual optimization.
        gradient_clip_algorithm: ``"norm"`` (total 2-norm of the phase's gradients) or ``"value"``.
        on_nonfinite: what a NaN or Inf loss does: ``"stop"`` raises a ``DivergenceError`` before the bad
            update, ``"skip"`` drops the rest of that batch (``run_phase`` returns None), ``"off"`` does not check.

    Subclasses give ``phase_parameters(phase)`` and a ``training_step`` made of ``run_phase`` calls; the options
    are named ``<phase>_optimizer``, ``<phase>_scheduler`` and ``<phase>_clip_val`` in their constructors.
    """

    counted_phase: str = "generator"
    """The phase whose optimizer step counts in ``trainer.global_step``."""

    progress_bar_keys: tuple[str, ...] = ("d_loss", "g_loss")
    """Step metrics also shown in the progress bar."""

    default_optimizer: OptimizerCallable = adam(2e-4, (0.5, 0.999))
    """Used for a phase whose optimizer is not given: Adam(2e-4, betas (0.5, 0.999)) as in DCGAN."""

    def __init__(
        self,
        optimizers: dict[str, OptimizerCallable | None],
        schedulers: dict[str, SchedulerCallable | None],
        clip_vals: dict[str, float | None],
        gradient_clip_algorithm: str = "norm",
        on_nonfinite: str = "stop",
    ) -> None:
        super().__init__()
        check_engine_options(
            0.0, {f"{p}_clip_val": v for p, v in clip_vals.items()}, gradient_clip_algorithm, on_nonfinite
        )
        for phase, factory in optimizers.items():
            check_optimizer(phase, factory)
        self.automatic_optimization = False
        self.phase_names = tuple(optimizers)
        self.phase_optimizers = dict(optimizers)
        self.phase_schedulers = {p: schedulers.get(p) for p in self.phase_names}
        self.phase_clip_vals = {p: clip_vals.get(p) for p in self.phase_names}
        self.gradient_clip_algorithm = gradient_clip_algorithm
        self.on_nonfinite = on_nonfinite
        self.skipped_batches = 0
        self._ema_networks: dict[str, float] = {}
        self._has_schedulers = False  # set by configure_optimizers
        self._rng_states_to_restore: dict | None = None
        self._preemption = Preemption()
        self.preempted = False
        """True once a SIGTERM stopped training (see ``lightning_gans.preemption``)."""

    # ------------------------------------------------------------------------------------------ phases
    def phase_parameters(self, phase: str) -> list[nn.Parameter]:
        """The parameters ``phase``'s optimizer trains."""
        raise NotImplementedError(f"{type(self).__name__} must say which parameters phase {phase!r} trains")

    @override
    def configure_optimizers(self):
        optimizers = [
            (self.phase_optimizers[phase] or self.default_optimizer)(self.phase_parameters(phase))
            for phase in self.phase_names
        ]
        schedulers = [
            build_scheduler(phase, self.phase_schedulers[phase], optimizer)
            for phase, optimizer in zip(self.phase_names, optimizers, strict=True)
            if self.phase_schedulers[phase] is not None
        ]
        self._has_schedulers = bool(schedulers)
        return (optimizers, schedulers) if schedulers else optimizers

    def phase_optimizer(self, phase: str) -> LightningOptimizer:
        """The ``LightningOptimizer`` of ``phase``."""
        optimizers = self.optimizers()
        optimizers = optimizers if isinstance(optimizers, list) else [optimizers]
        return optimizers[self.phase_names.index(phase)]

    def run_phase(
        self, phase: str, compute_loss: Callable[[], PhaseLoss], optimizer: LightningOptimizer | None = None
    ) -> PhaseLoss | None:
        """One update of ``phase``: ``compute_loss()`` inside the phase's toggled optimizer, the divergence
        guard, ``manual_backward``, clipping and the optimizer step (counted only for ``counted_phase``).

        Returns:
            ``(loss, extra)`` as ``compute_loss`` gave them, or None when the guard skipped the batch
            (``on_nonfinite: skip``); the caller then returns None from ``training_step``.
        """
        optimizer = optimizer if optimizer is not None else self.phase_optimizer(phase)
        with self.toggled_optimizer(optimizer):
            loss, extra = compute_loss()
            total = loss + sum(extra.values()) if extra else loss
            if not self.loss_is_finite(phase, total):
                return None
            optimizer.zero_grad(set_to_none=True)
            self.manual_backward(total)
            if phase == self.counted_phase:
                optimizer.step()
            else:
                # Through the strategy (precision plugin, grad scaler, hooks) but not LightningOptimizer.step,
                # which would count this update in trainer.global_step.
                self.trainer.strategy.optimizer_step(optimizer.optimizer, _do_nothing)
        return loss, extra

    def end_counted_step(self) -> None:
        """After the counted phase's update: the EMA copies, then the schedulers."""
        self.update_ema()
        self.step_schedulers()

    def rank_share(self, draw: Callable[[int], object], n: int):
        """``draw(n)`` for this process's share of a step, different on every DDP rank.

        Under DDP every rank's global RNG runs in lockstep (``seed_everything`` gives all ranks one seed, and the
        checkpoint's RNG state, rank 0's, is then right for every rank on resume). Drawing all ranks' rows and
        keeping this rank's gives each rank its own random inputs while the streams stay in lockstep. ``draw``'s
        result must have ``.rows(slice)`` (``Latent``) or be a tensor.
        """
        world_size = self.trainer.world_size
        if world_size == 1:
            return draw(n)
        rank = self.trainer.global_rank
        everything = draw(world_size * n)
        rows = slice(rank * n, (rank + 1) * n)
        return everything[rows] if isinstance(everything, torch.Tensor) else everything.rows(rows)

    # ---------------------------------------------------------------------------------------------- EMA
    def add_ema(self, network: str, decay: float) -> None:
        """Keeps ``<network>_ema``, an exponential moving average of ``self.<network>``'s weights updated after
        every counted step (with warm-up, ``lightning_gans.ema``); None when ``decay`` is 0."""
        check_engine_options(decay, {}, "norm", "off")
        copy = make_ema_copy(getattr(self, network)) if decay > 0 else None
        setattr(self, f"{network}_ema", copy)
        if copy is not None:
            self._ema_networks[network] = decay

    def update_ema(self) -> None:
        # Called inside training_step, right after the counted step: callbacks' on_train_batch_end (e.g.
        # ModelCheckpoint) run before the module's, and a checkpoint must hold this step's average.
        for network, decay in self._ema_networks.items():
            # global_step has counted this batch's update: the EMA's update index is global_step - 1
            update_ema(
                getattr(self, f"{network}_ema"),
                getattr(self, network),
                ema_decay_at(self.trainer.global_step - 1, decay),
            )

    # ------------------------------------------------------------------------------------- schedulers
    def _schedulers(self) -> list:
        """The configured learning-rate schedulers as a list (``lr_schedulers()`` gives None, one, or a list)."""
        if not self._has_schedulers:  # skips lr_schedulers()'s per-step Python when there are none
            return []
        schedulers = self.lr_schedulers()
        return schedulers if isinstance(schedulers, list) else [schedulers]

    def step_schedulers(self) -> None:
        # Manual optimization: Lightning stores, saves and restores the schedulers but never steps them.
        for scheduler in self._schedulers():
            scheduler.step()

    def _warn_if_a_schedule_ends_early(self) -> None:
        # The classic slip: `--trainer.max_steps 8000` on a config whose LinearLR decays to 0 over 4000 steps
        # would train the second half with a learning rate of exactly 0.
        max_steps = self.trainer.max_steps
        if max_steps is None or max_steps < 0:
            return
        names = " / ".join(f"{p}_scheduler" for p in self.phase_names)
        for scheduler in self._schedulers():
            if (
                isinstance(scheduler, torch.optim.lr_scheduler.LinearLR)
                and scheduler.end_factor == 0
                and scheduler.total_iters < max_steps
            ):
                rank_zero_warn(
                    f"A LinearLR schedule decays a learning rate to 0 at generator step {scheduler.total_iters}, "
                    f"before trainer.max_steps={max_steps}: the remaining steps would not train. Set its "
                    f"total_iters to {max_steps} (model {names})."
                )
            elif isinstance(scheduler, LinearDecayLR) and scheduler.end_step < max_steps:
                rank_zero_warn(
                    f"A LinearDecayLR schedule reaches a learning rate of 0 at step {scheduler.end_step} "
                    f"(n_steps {scheduler.n_steps} + n_steps_decay {scheduler.n_steps_decay}), before "
                    f"trainer.max_steps={max_steps}: the remaining steps would not train. Make n_steps + "
                    f"n_steps_decay = {max_steps} (model {names})."
                )

    # ------------------------------------------------------------------------------ clipping and guard
    def _clip_options(self) -> str:
        return " / ".join(f"{p}_clip_val" for p in self.phase_names)

    @override
    def on_before_optimizer_step(self, optimizer: torch.optim.Optimizer) -> None:
        # Gradient clipping lives here, not in training_step: the precision plugin calls this hook for every
        # optimizer step (uncounted ones included) after unscaling fp16 gradients, so the value is in real units.
        optimizers = self.optimizers(use_pl_optimizer=False)
        optimizers = optimizers if isinstance(optimizers, list) else [optimizers]
        phase = next(p for p, o in zip(self.phase_names, optimizers, strict=True) if o is optimizer)
        clip_val = self.phase_clip_vals[phase]
        if clip_val is not None:
            self.clip_gradients(
                optimizer, gradient_clip_val=clip_val, gradient_clip_algorithm=self.gradient_clip_algorithm
            )

    def loss_is_finite(self, phase: str, loss: torch.Tensor) -> bool:
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
                f"The {phase} loss is {loss.item()} at generator step {step}: skipped the rest of this batch "
                f"({self.skipped_batches} skipped so far; on_nonfinite: skip)."
            )
            return False
        raise DivergenceError(
            f"Training diverged: the {phase} loss is {loss.item()} at generator step {step}. Stopped before "
            "applying it, so the weights in memory and every saved checkpoint are from before the divergence "
            f"(resume with --ckpt_path last). Fixes: lower the learning rates, set model {self._clip_options()}, "
            "use bf16-mixed or 32-true instead of 16-mixed, or set model on_nonfinite: skip to drop such batches."
        )

    # ---------------------------------------------------------------------------------------- logging
    def step_metrics_are_logged(self, batch_idx: int) -> bool:
        """True on the batches whose step metrics someone reads: a logger writes them (every
        ``log_every_n_steps`` batches), the progress bar redraws, or the epoch's first batch (so that
        ``trainer.callback_metrics`` has every key from the start, e.g. for a ``ModelCheckpoint`` monitor).

        ``self.log`` costs hundreds of microseconds of Python per call, so the other batches skip it; the
        progress bar and ``callback_metrics`` keep the last logged values. Callbacks that need every step read
        the ``outputs`` ``training_step`` returns.
        """
        trainer = self._trainer
        should_update = getattr(getattr(trainer, "_logger_connector", None), "should_update_logs", None)
        if should_update is None or should_update or trainer.fast_dev_run or batch_idx == 0:
            return True
        bar = trainer.progress_bar_callback
        refresh_rate = getattr(bar, "refresh_rate", 0) if bar is not None and bar.is_enabled else 0
        return refresh_rate > 0 and (batch_idx + 1) % refresh_rate == 0

    def log_step_metrics(self, metrics: dict[str, torch.Tensor]) -> None:
        """Logs ``train/<name>`` for each scalar; ``progress_bar_keys`` also go to the progress bar.

        All values come to the host in one copy (one sync with the GPU per logging step). Logging host tensors
        matters beyond that: Lightning turns every progress-bar metric into a Python float after *every* batch,
        stale ones included, which for a GPU tensor is a host sync on every step.
        """
        values = torch.stack([v.detach().float().reshape(()) for v in metrics.values()]).cpu()
        for name, value in zip(metrics, values, strict=True):
            self.log(
                f"train/{name}", value, prog_bar=name in self.progress_bar_keys, on_step=True, on_epoch=False
            )

    # -------------------------------------------------------------------------------------- checkpoints
    @override
    def on_save_checkpoint(self, checkpoint: dict) -> None:
        # lets lightning_gans.checkpoint.load_model rebuild the right class without unpickling anything; the
        # public name (lightning_gans.DCGAN) where there is one, so that moving a file never breaks a checkpoint
        checkpoint[CLASS_KEY] = public_class_path(type(self))
        # the tools prepare a user's images as the training data was (score: CelebA's crop)
        checkpoint[PREPROCESSING_KEY] = preprocessing_of(getattr(self._trainer, "datamodule", None))
        # never write a diverged model over a good checkpoint (a finite loss can still give Inf gradients)
        if self.on_nonfinite != "off":
            bad = [name for name, p in self.named_parameters() if not torch.isfinite(p).all()]
            if bad:
                raise DivergenceError(
                    f"Not saving a checkpoint at generator step {self.trainer.global_step}: parameters "
                    f"{', '.join(bad[:5])} contain NaN/Inf. The last checkpoint on disk is the last good one "
                    f"(resume with --ckpt_path last). Fixes: lower the learning rates or set model "
                    f"{self._clip_options()}."
                )
        checkpoint[RNG_KEY] = collect_rng_states()

    @override
    def on_load_checkpoint(self, checkpoint: dict) -> None:
        # restored in on_train_start, after Lightning's own set-up (which may draw random numbers)
        self._rng_states_to_restore = checkpoint.get(RNG_KEY)

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

    # ---------------------------------------------------------------------------------------- set-up
    @override
    def configure_callbacks(self):
        # Lightning calls this before validating the trainer's settings: the one place to replace its error
        # about Trainer(gradient_clip_val=...) by one that points to this module's arguments.
        if self._trainer is not None and self.trainer.gradient_clip_val:
            raise ConfigError(
                f"Trainer(gradient_clip_val={self.trainer.gradient_clip_val}) does not work with a GAN's manual "
                f"optimization. Remove trainer.gradient_clip_val and set model {' and/or '.join(f'{p}_clip_val' for p in self.phase_names)} (and "
                "gradient_clip_algorithm) instead."
            )
        return []

    @override
    def setup(self, stage: str) -> None:
        strategy = self.trainer.strategy
        if isinstance(strategy, DDPStrategy) and "find_unused_parameters" not in strategy._ddp_kwargs:
            # DDP wraps the whole module, but each update trains one group: a discriminator step leaves the
            # generator's parameters unused (toggled off) and DDP would wait forever for their gradients.
            # find_unused_parameters marks them ready after each backward; its graph walk starts from the loss,
            # so it also reaches the discriminator parameters used only through the gradient penalty.
            strategy._ddp_kwargs["find_unused_parameters"] = True
