"""Callbacks the robustness tests load into ``lightning-gans fit`` subprocesses (via PYTHONPATH), and the
function that starts such a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import torch
from lightning.pytorch import Callback

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def fit_subprocess(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m lightning_gans fit`` with ``args`` in a fresh process: CPU, seed 0, one thread, no logger, no
    progress bar; this folder is on PYTHONPATH so ``--trainer.callbacks+=helpers.<Callback>`` works."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), str(REPO)]), OMP_NUM_THREADS="1")
    command = [
        sys.executable,
        "-m",
        "lightning_gans",
        "fit",
        *args,
        "--seed_everything=0",
        "--trainer.accelerator=cpu",
        "--trainer.logger=false",
        "--trainer.enable_progress_bar=false",
        "--trainer.enable_model_summary=false",
    ]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


class SigkillAt(Callback):
    """Kills its own process with SIGKILL after generator step ``step``: a crash nothing can clean up after."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step == self.step:
            os.kill(os.getpid(), signal.SIGKILL)


class DumpParameters(Callback):
    """At the end of training, every rank saves its parameters and buffers to ``<folder>/rank<r>.pt``."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.first_batch_sum: float | None = None
        self.first_noise: torch.Tensor | None = None

    def on_train_start(self, trainer, pl_module) -> None:
        # the noise of the first generator call in training (the first discriminator step's fake batch)
        def record(module, inputs, output):
            if self.first_noise is None:
                self.first_noise = inputs[0].detach().clone()

        self.first_noise = None
        pl_module.generator.register_forward_hook(record)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if self.first_batch_sum is None:
            real = batch[0] if isinstance(batch, tuple | list) else batch
            self.first_batch_sum = float(real.double().sum())

    def on_train_end(self, trainer, pl_module) -> None:
        Path(self.folder).mkdir(parents=True, exist_ok=True)
        state = {
            "parameters": {k: v.detach().clone() for k, v in pl_module.named_parameters()},
            "buffers": {k: v.detach().clone() for k, v in pl_module.named_buffers()},
            "global_step": trainer.global_step,
            "world_size": trainer.world_size,
            "first_batch_sum": self.first_batch_sum,
            "first_noise": self.first_noise,
        }
        torch.save(state, Path(self.folder) / f"rank{trainer.global_rank}.pt")


class NaNLossGAN:
    """Marker base; see ``nan_loss_gan``."""


def _make_nan_loss_gan():
    from lightning_gans import VanillaGAN

    class NaNAtStep(VanillaGAN, NaNLossGAN):
        """A VanillaGAN whose discriminator loss is NaN once, at generator step ``nan_at_step``."""

        def __init__(self, nan_at_step: int = 3, **kwargs) -> None:
            super().__init__(**kwargs)
            self.nan_at_step = nan_at_step
            self.nan_given = False

        def discriminator_loss(self, real_logits, fake_logits):
            loss = super().discriminator_loss(real_logits, fake_logits)
            if self.trainer.global_step == self.nan_at_step and not self.nan_given:
                self.nan_given = True
                return loss * float("nan")
            return loss

    return NaNAtStep


NaNAtStep = _make_nan_loss_gan()
NaNAtStep.__module__ = __name__
NaNAtStep.__qualname__ = "NaNAtStep"
