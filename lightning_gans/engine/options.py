"""The engine's settings: optimizer and scheduler factories, and the checks that refuse bad values at start-up.

Every adversarial module (``GAN`` and its families, the translation models) takes its optimizers as factories
(``params -> Optimizer``) so that configs can set them, and its learning-rate schedules as
``optimizer -> LRScheduler`` factories stepped once per counted step (see ``AdversarialModule``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

import torch
from torch import nn

from lightning_gans.errors import ConfigError

OptimizerCallable = Callable[[Iterable[torch.Tensor]], torch.optim.Optimizer]
SchedulerCallable = Callable[[torch.optim.Optimizer], torch.optim.lr_scheduler.LRScheduler]
"""``optimizer -> LRScheduler``, e.g. ``partial(LinearLR, start_factor=1.0, end_factor=0.0, total_iters=steps)``;
the same form as ``lightning.pytorch.cli.LRSchedulerCallable``, so configs give it as ``class_path``/``init_args``."""

NONFINITE_POLICIES = ("stop", "skip", "off")
CLIP_ALGORITHMS = ("norm", "value")


def adam(lr: float, betas: tuple[float, float]) -> OptimizerCallable:
    """An optimizer factory for the defaults: ``adam(2e-4, (0.5, 0.999))(params)``."""
    return partial(torch.optim.Adam, lr=lr, betas=betas)


def check_engine_options(
    ema_decay: float,
    clip_vals: dict[str, float | None],
    gradient_clip_algorithm: str,
    on_nonfinite: str,
) -> None:
    """Refuses engine settings that cannot work, naming the fix (``clip_vals``: option name -> value)."""
    if not 0.0 <= ema_decay < 1.0:
        raise ConfigError(f"ema_decay must be in [0, 1) (0 = no EMA; 0.999 is typical), got {ema_decay}.")
    for name, value in clip_vals.items():
        if value is not None and value <= 0:
            raise ConfigError(f"{name} must be > 0 (or null for no clipping), got {value}.")
    if gradient_clip_algorithm not in CLIP_ALGORITHMS:
        raise ConfigError(
            f"gradient_clip_algorithm must be 'norm' or 'value', got {gradient_clip_algorithm!r}."
        )
    if on_nonfinite not in NONFINITE_POLICIES:
        raise ConfigError(f"on_nonfinite must be 'stop', 'skip' or 'off', got {on_nonfinite!r}.")


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


class LinearDecayLR(torch.optim.lr_scheduler.LRScheduler):
    """The CycleGAN / pix2pix schedule: the base learning rate for ``n_steps`` steps, then linearly to 0 over
    ``n_steps_decay`` more.

    Counted like every length in this library: the engine steps schedulers once per **counted step** (generator
    step = training batch), so ``n_steps`` and ``n_steps_decay`` are in steps, not epochs. The reference's
    "100 epochs + 100 epochs of decay" on a set of ``B`` batches is ``n_steps = 100 * B``,
    ``n_steps_decay = 100 * B`` with ``trainer.max_steps = 200 * B``. The factor at step ``t`` (0-based, the
    rate used for update ``t``) is ``1`` for ``t < n_steps`` and ``1 - (t - n_steps) / n_steps_decay`` after,
    never below 0: the last update of a ``n_steps + n_steps_decay`` run uses ``1 / n_steps_decay``.

    In a config::

        generator_scheduler:
          class_path: lightning_gans.engine.options.LinearDecayLR
          init_args: {n_steps: 10000, n_steps_decay: 10000}
    """

    def __init__(
        self, optimizer: torch.optim.Optimizer, n_steps: int, n_steps_decay: int, last_epoch: int = -1
    ) -> None:
        if n_steps < 0 or n_steps_decay < 1:
            raise ConfigError(
                f"LinearDecayLR needs n_steps >= 0 and n_steps_decay >= 1, got {n_steps} and {n_steps_decay}."
            )
        self.n_steps = n_steps
        self.n_steps_decay = n_steps_decay
        super().__init__(optimizer, last_epoch)

    def factor(self, step: int) -> float:
        """The learning-rate multiplier at ``step``: 1, then linear to 0."""
        return max(0.0, 1.0 - max(0, step - self.n_steps) / self.n_steps_decay)

    @property
    def end_step(self) -> int:
        """The first step whose learning rate is 0."""
        return self.n_steps + self.n_steps_decay

    def get_lr(self) -> list[float]:
        return [base_lr * self.factor(self.last_epoch) for base_lr in self.base_lrs]


def build_scheduler(
    network: str, make: SchedulerCallable, optimizer: torch.optim.Optimizer
) -> torch.optim.lr_scheduler.LRScheduler:
    """``make(optimizer)``, refusing schedulers that cannot be stepped once per counted step without a metric."""
    scheduler = make(optimizer)
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        raise ConfigError(
            f"model {network}_scheduler is ReduceLROnPlateau, which needs a monitored metric; GAN losses are not "
            "a useful one. Use a schedule in generator steps instead, e.g. torch.optim.lr_scheduler.LinearLR "
            "(start_factor: 1.0, end_factor: 0.0, total_iters: <max_steps>) or CosineAnnealingLR (T_max: <max_steps>)."
        )
    return scheduler
