"""A progress bar that shows the discriminator and generator losses compactly: ``d_loss=1.32, g_loss=0.741``."""

from __future__ import annotations

import torch
from lightning.pytorch import LightningModule, Trainer
from lightning.pytorch.callbacks import TQDMProgressBar
from typing_extensions import override


class GANProgressBar(TQDMProgressBar):
    """Lightning's tqdm bar with the GAN's losses as short names and no ``v_num``.

    Every metric logged with ``prog_bar=True`` is shown, ``train/`` dropped from its name (``train/d_loss`` ->
    ``d_loss``); ``keys`` adds metrics logged without ``prog_bar`` (read from ``trainer.callback_metrics``).
    tqdm shows numbers with 3 significant digits.

    The bar reads the values only when it redraws, every ``refresh_rate`` batches: converting a GPU tensor to a
    number waits for the GPU, so the default of 10 keeps that out of most steps.

    Args:
        refresh_rate: redraw every this many batches (0 disables the bar).
        keys: extra metric names to show even when not logged with ``prog_bar=True``.
        leave: keep the finished bar of each epoch on screen.
    """

    def __init__(self, refresh_rate: int = 10, keys: list[str] | None = None, leave: bool = False) -> None:
        super().__init__(refresh_rate=refresh_rate, leave=leave)
        self.keys = list(keys or [])

    @override
    def get_metrics(self, trainer: Trainer, pl_module: LightningModule) -> dict[str, int | str | float]:
        items = super().get_metrics(trainer, pl_module)
        items.pop("v_num", None)
        for key in self.keys:
            if key not in items and key in trainer.callback_metrics:
                items[key] = trainer.callback_metrics[key]
        return {short_name(k): compact(v) for k, v in items.items()}


def short_name(key: str) -> str:
    """``train/d_loss`` -> ``d_loss``; other names unchanged."""
    return key.removeprefix("train/")


def compact(value):
    """One-element tensors as Python numbers (tqdm then shows 3 significant digits); other values unchanged."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    return value
