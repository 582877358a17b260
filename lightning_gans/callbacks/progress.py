"""One progress bar for the whole run, in generator steps: ``1000/1500 [01:40<00:50, 10.0step/s, d_loss=...]``.

Lightning's own bars count batches and start over at every epoch, so a GAN on a small data set (the digits: 22
batches an epoch) printed one bar per epoch and no view of the run. Here ``trainer.global_step`` counts generator
steps (see ``lightning_gans.modules.gan``), so one bar from ``global_step`` to ``max_steps`` is the whole run,
with its rate and ETA; a resumed run starts at its checkpoint's step.
"""

from __future__ import annotations

import math
import sys

import torch
from lightning.pytorch import LightningModule, Trainer
from lightning.pytorch.callbacks import ProgressBar
from lightning.pytorch.utilities import rank_zero_warn
from tqdm import tqdm
from typing_extensions import override


class GANProgressBar(ProgressBar):
    """A single tqdm bar for the run: generator steps out of ``max_steps``, rate, ETA, losses and evaluation.

    Shown after the counts: every metric logged with ``prog_bar=True`` with ``train/`` dropped from its name
    (``train/d_loss`` -> ``d_loss``), the ``keys`` asked for (read from ``trainer.callback_metrics``), and the last
    evaluation metrics (``val/fid`` -> ``fid``; ``*_std`` left out) once the ``Evaluation`` callback has run.
    tqdm shows numbers with 3 significant digits.

    The bar reads the values only when it redraws, every ``refresh_rate`` batches of an epoch (when ``GAN``
    logs its losses for a bar) and at the last step: converting a GPU tensor to a number waits for the GPU, so the
    default of 10 keeps that out of most steps.

    It also warns when a run with loggers is shorter than ``trainer.log_every_n_steps``: such a run logs no
    training scalars at all. (Lightning's per-epoch version of that warning is silenced in
    ``lightning_gans._warnings``, because a GAN's logging cadence spans epochs.)

    Args:
        refresh_rate: redraw every this many batches (generator steps) of an epoch (0 disables the bar).
        keys: extra metric names to show even when not logged with ``prog_bar=True``.
        leave: keep the finished bar on screen.
    """

    def __init__(self, refresh_rate: int = 10, keys: list[str] | None = None, leave: bool = True) -> None:
        super().__init__()
        self.refresh_rate = refresh_rate
        self.keys = list(keys or [])
        self.leave = leave
        self._enabled = refresh_rate > 0
        self.bar: tqdm | None = None

    # ------------------------------------------------------------------------------- Lightning's interface
    @property
    def is_enabled(self) -> bool:
        return self._enabled

    @override
    def disable(self) -> None:
        self._enabled = False

    @override
    def enable(self) -> None:
        self._enabled = self.refresh_rate > 0

    @override
    def print(self, *args, sep: str = " ", **kwargs) -> None:
        """``LightningModule.print`` goes here: above the bar, not through it."""
        if self.bar is not None:
            self.bar.write(sep.join(map(str, args)), **kwargs)
        else:
            print(*args, sep=sep, **kwargs)

    @override
    def get_metrics(self, trainer: Trainer, pl_module: LightningModule) -> dict[str, int | str | float]:
        items = super().get_metrics(trainer, pl_module)
        items.pop("v_num", None)
        for key in self.keys:
            if key not in items and key in trainer.callback_metrics:
                items[key] = trainer.callback_metrics[key]
        for key, value in trainer.callback_metrics.items():
            if key.startswith("val/") and not key.endswith("_std"):
                items[key] = value
        return {short_name(k): compact(v) for k, v in items.items()}

    # ---------------------------------------------------------------------------------------------- hooks
    @override
    def on_train_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        total = run_length(trainer)
        warn_if_nothing_logged(trainer, total)
        if not self.is_enabled:
            return
        self.bar = tqdm(
            desc=type(pl_module).__name__,  # what is trained
            total=total,
            initial=trainer.global_step,  # a resumed run starts where its checkpoint left off
            unit="step",
            leave=self.leave,
            dynamic_ncols=True,
            file=sys.stderr,
            smoothing=0.1,
        )

    @override
    def on_train_batch_end(
        self, trainer: Trainer, pl_module: LightningModule, outputs, batch, batch_idx
    ) -> None:
        if self.bar is None:
            return
        step = trainer.global_step
        last = self.bar.total is not None and step >= self.bar.total
        # Redraw on the batches where GAN logs its losses for a bar (``GAN._step_metrics_are_logged``: every
        # ``refresh_rate``-th batch of the epoch, Lightning's bar convention), so the losses shown are current.
        if (batch_idx + 1) % self.refresh_rate == 0 or last:
            self.bar.set_postfix(self.get_metrics(trainer, pl_module), refresh=False)
            self.bar.update(step - self.bar.n)
        if last:
            # closed before the other callbacks' on_train_end (final grid, final metrics) print their lines
            self._close()

    @override
    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self.bar is not None:
            self.bar.update(trainer.global_step - self.bar.n)
        self._close()

    @override
    def on_exception(self, trainer: Trainer, pl_module: LightningModule, exception: BaseException) -> None:
        self._close()

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run_length(trainer: Trainer) -> int | None:
    """The run's length in generator steps: ``max_steps``, else ``max_epochs`` times the batches of an epoch,
    else None (tqdm then shows a count without a total)."""
    if trainer.max_steps is not None and trainer.max_steps > 0:
        return int(trainer.max_steps)
    batches = trainer.num_training_batches
    if trainer.max_epochs is not None and trainer.max_epochs > 0 and math.isfinite(batches):
        return int(trainer.max_epochs * batches)
    return None


def warn_if_nothing_logged(trainer: Trainer, total: int | None) -> None:
    """Warns when the loggers would get no training scalars: the run ends before ``log_every_n_steps``."""
    if trainer.loggers and total is not None and total - trainer.global_step < trainer.log_every_n_steps:
        rank_zero_warn(
            f"This run trains {total - trainer.global_step} generator steps, fewer than "
            f"Trainer(log_every_n_steps={trainer.log_every_n_steps}): the loggers will get no training scalars. "
            "Lower log_every_n_steps (e.g. --trainer.log_every_n_steps 10)."
        )


def short_name(key: str) -> str:
    """``train/d_loss`` -> ``d_loss``, ``val/fid`` -> ``fid``; other names unchanged."""
    return key.removeprefix("train/").removeprefix("val/")


def compact(value):
    """One-element tensors as Python numbers (tqdm then shows 3 significant digits); other values unchanged."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    return value
