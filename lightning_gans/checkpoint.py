"""Loading a trained GAN from a checkpoint without running pickled code (``torch.load(weights_only=True)``)."""

from __future__ import annotations

import importlib
import io
import warnings
from pathlib import Path

import lightning
import torch
from lightning.pytorch import LightningModule

from lightning_gans.errors import CheckpointError
from lightning_gans.modules.base import GAN


class MissingCheckpointError(CheckpointError, FileNotFoundError):
    """No checkpoint file at the given path."""


CLASS_KEY = "lightning_gans_class"
"""Checkpoint key holding the import path of the GAN subclass that wrote it (set by ``GAN.on_save_checkpoint``)."""


def gan_class(class_path: str, base: type[LightningModule] = GAN) -> type[LightningModule]:
    """Imports ``package.module.ClassName`` and checks it is a ``base`` (default ``GAN``) subclass."""
    module_name, _, class_name = class_path.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise CheckpointError(
            f"{class_path!r} in the checkpoint is not a lightning_gans {base.__name__} class"
        )
    return cls


def gan_from_hparams(class_path: str, hyper_parameters: dict) -> GAN:
    """A GAN of class ``class_path`` built from a checkpoint's ``hyper_parameters`` with untrained weights.

    For modules that keep a GAN inside (``IZIfEncoder``): their own checkpoint holds the GAN's class and
    hyperparameters, and its weights in their ``state_dict``, so it loads without the GAN's checkpoint file.
    Goes through Lightning's ``load_from_checkpoint`` on an in-memory checkpoint, the way CLI-configured
    networks (``class_path`` dicts) are instantiated.
    """
    buffer = io.BytesIO()
    torch.save(
        {
            "hyper_parameters": hyper_parameters,
            "state_dict": {},
            "pytorch-lightning_version": lightning.__version__,
        },
        buffer,
    )
    buffer.seek(0)
    with warnings.catch_warnings():  # "contains no parameters": on purpose, the caller loads the weights
        warnings.filterwarnings("ignore", message="The state dict in")
        return gan_class(class_path).load_from_checkpoint(buffer, weights_only=True, strict=False)


def load_gan(path: str | Path, map_location: str | torch.device = "cpu", **network_kwargs) -> GAN:
    """Rebuilds the GAN saved at ``path`` in eval-ready form, reading the file with ``weights_only=True``.

    The class comes from the checkpoint (``DCGAN``, ``WGANGP``, a user subclass, ...). A run that passed its own
    network objects in Python must pass them again here (``generator=..., discriminator=...``); runs configured
    through the CLI stored their ``class_path`` and need nothing.

    Raises:
        CheckpointError (a ValueError; FileNotFoundError for a missing file): no file at ``path``, not a
            lightning-gans checkpoint, or one that needs unpickling arbitrary objects. The CLI prints it as one line.
    """
    return load_model(path, map_location, base=GAN, **network_kwargs)


def load_model(
    path: str | Path,
    map_location: str | torch.device = "cpu",
    base: type[LightningModule] = LightningModule,
    **network_kwargs,
) -> LightningModule:
    """``load_gan`` for any lightning-gans module that records its class (a GAN, an ``IZIfEncoder``), checked
    to be a ``base`` subclass."""
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
    model = gan_class(class_path, base).load_from_checkpoint(
        path, map_location=map_location, weights_only=True, **network_kwargs
    )
    return model.eval()
