"""Errors a user can fix: the CLI prints their message (no traceback) and exits with status 1.

Each message names the problem and the fix. Data errors (``DataNotFoundError``, ``CorruptImageError``,
``DownloadError``) live in ``lightning_gans.data.vision``, ``BadArrayError`` in ``lightning_gans.data.array``; they are listed in ``USER_ERRORS`` too.
"""

from __future__ import annotations


class ConfigError(ValueError):
    """A setting that cannot work (shape mismatch, negative learning rate, unsupported Trainer option)."""


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded safely (missing, not from lightning-gans, or needs unpickling code)."""


class DivergenceError(RuntimeError):
    """Training produced a NaN or Inf loss (or parameters) and stopped before saving or stepping on it."""


class MissingWeightsError(FileNotFoundError):
    """A metric's network weights (Inception) are not on this machine and must not be downloaded mid-run."""


def user_errors() -> tuple[type[BaseException], ...]:
    """The exception types the CLI reports as a one-line message instead of a traceback."""
    from lightning_gans.data.array import BadArrayError
    from lightning_gans.data.vision import CorruptImageError, DataNotFoundError, DownloadError

    return (
        ConfigError,
        CheckpointError,
        DivergenceError,
        MissingWeightsError,
        DataNotFoundError,
        CorruptImageError,
        DownloadError,
        BadArrayError,
    )
