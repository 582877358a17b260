"""Loading a trained model from a checkpoint without running pickled code (``torch.load(weights_only=True)``).

    from lightning_gans.checkpoint import load_gan
    gan = load_gan("runs/dcgan_digits/checkpoints/last.ckpt")

``load_gan`` is for the generative models (a ``GAN`` and its families); ``load_model`` loads any lightning-gans
module that records its class (an ``IZIfEncoder`` too). The reading, the error messages and the class names
live in ``lightning_gans.engine.checkpoint``.
"""

from __future__ import annotations

from pathlib import Path

import torch

from lightning_gans.engine.checkpoint import (
    CLASS_KEY,
    MissingCheckpointError,
    load_model,
    model_class,
    model_from_hparams,
    public_class_path,
    read_checkpoint,
)
from lightning_gans.modules.gan import GAN

__all__ = [
    "CLASS_KEY",
    "MissingCheckpointError",
    "load_gan",
    "load_model",
    "model_class",
    "model_from_hparams",
    "public_class_path",
    "read_checkpoint",
]


def load_gan(path: str | Path, map_location: str | torch.device = "cpu", **network_kwargs) -> GAN:
    """Rebuilds the GAN saved at ``path`` in eval mode, reading the file with ``weights_only=True``.

    The class comes from the checkpoint (``DCGAN``, ``WGANGP``, a user subclass, ...). A run that passed its own
    network objects in Python must pass them again here (``generator=..., discriminator=...``); runs configured
    through the CLI stored their ``class_path`` and need nothing.

    Raises:
        CheckpointError (a ValueError; FileNotFoundError for a missing file): no file at ``path``, not a
            checkpoint, truncated, not a GAN's, or one that needs unpickling arbitrary objects. The CLI prints it
            as one line.
    """
    return load_model(path, map_location, base=GAN, **network_kwargs)
