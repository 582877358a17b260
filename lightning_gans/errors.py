"""Errors a user can fix: the CLI prints their message (no traceback) and exits with status 1.

Each message names the problem and the fix. Every such error type of the library is defined here, in one place
(``user_errors()`` lists them for the CLI); the data and checkpoint modules raise them and re-export the names
they always had (``lightning_gans.data.vision.DataNotFoundError`` is this module's).
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


class MissingCheckpointError(CheckpointError, FileNotFoundError):
    """No checkpoint file at the given path."""


class DataNotFoundError(FileNotFoundError):
    """Missing data set folder or files, or no images found; the message says where and the fix."""


class CorruptImageError(ValueError):
    """An image file cannot be read; the message names the file."""


class DownloadError(RuntimeError):
    """torchvision's download failed; the message says how to fetch the files by hand."""


class BadArrayError(ValueError):
    """A data file that cannot be read as a table of numbers; the message names the file (and row)."""


def user_errors() -> tuple[type[BaseException], ...]:
    """The exception types the CLI reports as a one-line message instead of a traceback."""
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
