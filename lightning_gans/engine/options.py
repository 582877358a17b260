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
