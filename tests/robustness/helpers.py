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


def fit_subprocess(
    cwd: Path,
    *args: str,
    timeout: float = 600,
    launcher: list[str] | None = None,
    logger: bool = False,
    fake_sets: bool = False,
) -> subprocess.CompletedProcess:
    """Runs ``fit_command(*args)`` in ``cwd``; a run that has not ended after ``timeout`` seconds fails the test
    (see ``finish``).

    Without a ``launcher`` the run is a child of the fork server (``tests/forkserver.py``: a process of its own
    in which the package is imported fresh, without 25 s of third-party imports), one child per rank under
    ``--trainer.strategy=ddp --trainer.devices=N`` (the ranks joined as an external launcher's are). With
    ``fake_sets`` each rank first patches torchvision's MD5 lists for the tiny sets (``fit_with_fake_sets.py``).
    """
    command = fit_command(*args, launcher=launcher, logger=logger)
    if launcher is not None:
        return finish(start(command, cwd), timeout)
    from tests.forkserver import server

    devices = [a.split("=", 1)[1] for a in args if a.startswith("--trainer.devices=")]
    ranks = int(devices[-1]) if devices and "--trainer.strategy=ddp" in args else 1
    script = HERE / "fit_with_fake_sets.py"
    code = f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')" if fake_sets else None
    return server().run(
        command[3:],  # without `python -m lightning_gans`
        cwd=cwd,
        env=dict(os.environ, OMP_NUM_THREADS="1"),
        timeout=timeout,
        ranks=ranks,
        code=code,
        pythonpath=[str(HERE), str(REPO)],
    )


def fit_command(*args: str, launcher: list[str] | None = None, logger: bool = False) -> list[str]:
    """``python -m lightning_gans fit`` with ``args``: CPU, seed 0, no progress bar (and no logger unless
    ``logger``). ``launcher`` replaces ``python -m lightning_gans`` (e.g. a torchrun command line)."""
    return [
        *(launcher or [sys.executable, "-m", "lightning_gans"]),
        "fit",
        *args,
        "--seed_everything=0",
        "--trainer.accelerator=cpu",
        *([] if logger else ["--trainer.logger=false"]),
        "--trainer.enable_progress_bar=false",
        "--trainer.enable_model_summary=false",
    ]


def start(command: list[str], cwd: Path) -> subprocess.Popen:
    """Starts ``command`` in a process group of its own (so ``finish`` can kill every rank), with this folder
    and the repository importable, one thread, output captured as text."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), str(REPO)]), OMP_NUM_THREADS="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(process: subprocess.Popen, timeout: float) -> subprocess.CompletedProcess:
    """Waits for ``process`` and every process it started; after ``timeout`` seconds kills them all and fails.

    Lightning's DDP launcher starts ranks 1.. as children of rank 0: a plain ``subprocess.run`` timeout would kill
    rank 0 only and leave the others waiting in a collective. The output pipes stay open until every process of
    the group has exited, so ``communicate`` also waits for a rank that hangs on its own.
    """
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        raise AssertionError(
            f"{' '.join(process.args[:8])} ... did not end within {timeout:.0f} s (hung; killed). "
            f"stderr tail:\n{err[-3000:]}"
        ) from None
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


class SigkillAt(Callback):
    """Kills its own process with SIGKILL after generator step ``step``: a crash nothing can clean up after."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step == self.step:
            os.kill(os.getpid(), signal.SIGKILL)


class SigtermAt(Callback):
    """Sends SIGTERM to its own process after generator step ``step`` (on global rank ``rank`` only): a
    pre-emption notice that arrives at one rank, as when a scheduler signals one process of the job."""

    def __init__(self, step: int, rank: int = 0) -> None:
        self.step = step
        self.rank = rank

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step == self.step and trainer.global_rank == self.rank:
            os.kill(os.getpid(), signal.SIGTERM)


class MarkStep(Callback):
    """Creates the file ``path`` after generator step ``step`` (rank 0), so a test knows training is under way."""

    def __init__(self, path: str, step: int = 1) -> None:
        self.path = path
        self.step = step

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step == self.step and trainer.is_global_zero:
            Path(self.path).touch()


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
        # a translation model's first generator is A -> B, and its input is the real A batch
        generator = getattr(pl_module, "generator", None) or pl_module.generator_ab
        generator.register_forward_hook(record)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if self.first_batch_sum is None:
            if isinstance(batch, dict):  # translation batches: {"a": ..., "b": ...}
                batch = list(batch.values())
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
