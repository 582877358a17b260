"""Pre-emption: SIGTERM ends a run at the next generator step on every rank, with the last checkpoint saved.

Clusters stop jobs with SIGTERM (SLURM at the time limit or on pre-emption, Kubernetes on eviction, torchrun on
its own SIGTERM) and follow with SIGKILL after a grace period. Lightning's own SIGTERM handling is not safe under
DDP: its handler runs a broadcast inside the signal handler, and each rank then raises at its own step, so ranks
that received the signal at different moments wait in different collectives. Here the handler only records the
signal (and passes it on to the ranks this process launched); at the end of every generator step all ranks agree
on "stop" with one all-reduce, so they stop after the same step, save ``last.ckpt`` together and leave the
training loop normally. The CLI then exits with status 143 (128 + SIGTERM) and names the checkpoint.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

from lightning.pytorch import Trainer
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.utilities import rank_zero_info, rank_zero_warn

EXIT_STATUS = 128 + signal.SIGTERM
"""What the CLI exits with after a pre-empted run: the status a shell reports for a process ended by SIGTERM, so
a job script or scheduler sees the run as interrupted, not finished."""


class Preemption:
    """Turns SIGTERM into an orderly stop at a generator-step boundary.

    ``install(trainer)`` when training starts (after Lightning has set its own handlers), ``stop_requested()``
    at the end of every generator step, on every rank, ``uninstall()`` at the end.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        """The signal number once SIGTERM arrived in this process."""
        self._trainer: Trainer | None = None
        self._previous = None

    def install(self, trainer: Trainer) -> None:
        """Routes SIGTERM to ``record`` (Python only delivers signals to the main thread; elsewhere: no-op)."""
        self.received = None  # a new fit of the same module starts afresh
        if threading.current_thread() is not threading.main_thread():
            return
        self._trainer = trainer
        self._previous = signal.signal(signal.SIGTERM, self.record)

    def uninstall(self) -> None:
        """Puts back the handler that was there before ``install``."""
        if self._previous is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._previous)
        self._previous = None
        self._trainer = None

    def record(self, signum: int, frame: FrameType | None = None) -> None:
        """The signal handler: remembers the signal and forwards it to the ranks this process started.

        No collective and no I/O beyond the forward: a handler runs between two bytecodes of whatever the main
        thread was doing, which may be the middle of another collective.
        """
        first = self.received is None
        self.received = signum
        launcher = getattr(self._trainer.strategy, "launcher", None) if self._trainer is not None else None
        if first and launcher is not None and hasattr(launcher, "procs"):
            # Lightning's ddp launcher starts ranks 1.. as children of rank 0: a signal sent to the job's main
            # process must reach them too (SLURM and torchrun signal every rank themselves; twice is harmless)
            for process in launcher.procs:
                if process.poll() is None:
                    process.send_signal(signum)

    def stop_requested(self, trainer: Trainer) -> bool:
        """True on every rank when any rank has received SIGTERM (one all-reduce under DDP; call on all ranks)."""
        requested = self.received is not None
        if trainer.world_size > 1:
            requested = trainer.strategy.reduce_boolean_decision(requested, all=False)
        return bool(requested)


def save_last_checkpoints(trainer: Trainer) -> list[str]:
    """Saves the ``last`` checkpoint of every ``ModelCheckpoint(save_last=True)`` now, unless it already holds
    this step; returns the paths. Must run on every rank (saving ends in a barrier)."""
    paths = []
    for callback in trainer.checkpoint_callbacks:
        if not isinstance(callback, ModelCheckpoint) or not callback.save_last:
            continue
        if callback._last_global_step_saved != trainer.global_step or not callback.last_model_path:
            # ModelCheckpoint's own method: the same file name (last.ckpt, or last-v1.ckpt in a reused folder)
            # and bookkeeping as its cadence saves, so its on_train_end does not save a second time
            callback._save_last_checkpoint(trainer, callback._monitor_candidates(trainer))
        paths.append(callback.last_model_path)
    return paths


def stop_after_this_step(trainer: Trainer) -> list[str]:
    """Saves the last checkpoints and asks the trainer to leave the loop after this step (every rank)."""
    paths = save_last_checkpoints(trainer)
    trainer.should_stop = True
    step = trainer.global_step
    if paths:
        rank_zero_info(
            f"Received SIGTERM: stopped after generator step {step}; saved {', '.join(paths)}. "
            "Resume with the same command and --ckpt_path last."
        )
    else:
        rank_zero_warn(
            f"Received SIGTERM: stopped after generator step {step}, but no checkpoint was saved: the run has no "
            "ModelCheckpoint(save_last=True) (the shipped configs have one)."
        )
    return paths


__all__ = ["EXIT_STATUS", "Preemption", "save_last_checkpoints", "stop_after_this_step"]
