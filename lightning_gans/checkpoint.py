"""Loading a trained GAN from a checkpoint without running pickled code (``torch.load(weights_only=True)``)."""

from __future__ import annotations

import importlib
from pathlib import Path

import torch

from lightning_gans.errors import CheckpointError
from lightning_gans.modules.base import GAN


class MissingCheckpointError(CheckpointError, FileNotFoundError):
    """No checkpoint file at the given path."""


CLASS_KEY = "lightning_gans_class"
"""Checkpoint key holding the import path of the GAN subclass that wrote it (set by ``GAN.on_save_checkpoint``)."""


def gan_class(class_path: str) -> type[GAN]:
    """Imports ``package.module.ClassName`` and checks it is a ``GAN`` subclass."""
    module_name, _, class_name = class_path.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, GAN)):
        raise CheckpointError(f"{class_path!r} in the checkpoint is not a lightning_gans GAN class")
    return cls


def load_gan(path: str | Path, map_location: str | torch.device = "cpu", **network_kwargs) -> GAN:
    """Rebuilds the GAN saved at ``path`` in eval-ready form, reading the file with ``weights_only=True``.

    The class comes from the checkpoint (``DCGAN``, ``WGANGP``, a user subclass, ...). A run that passed its own
    network objects in Python must pass them again here (``generator=..., discriminator=...``); runs configured
    through the CLI stored their ``class_path`` and need nothing.

    Raises:
        CheckpointError (a ValueError; FileNotFoundError for a missing file): no file at ``path``, not a
            lightning-gans checkpoint, or one that needs unpickling arbitrary objects. The CLI prints it as one line.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingCheckpointError(
            f"No checkpoint at {path}. Pass the path of a .ckpt file written by training."
        )
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # the unpickler refuses anything but tensors and plain containers
        raise CheckpointError(
            f"{path} could not be loaded safely (weights_only=True): {err}. Only load checkpoints you trust; "
            "this command never unpickles arbitrary objects."
        ) from err
    # LightningCLI runs also record the model's class in the hyperparameters (checkpoints from before CLASS_KEY)
    class_path = checkpoint.get(CLASS_KEY) or checkpoint.get("hyper_parameters", {}).get("_class_path")
    if class_path is None:
        raise CheckpointError(f"{path} was not written by a lightning-gans GAN (no {CLASS_KEY!r} entry).")
    model = gan_class(class_path).load_from_checkpoint(
        path, map_location=map_location, weights_only=True, **network_kwargs
    )
    return model.eval()
