"""Checkpoints that load without running pickled code (``torch.load(weights_only=True)``) and name their class.

A checkpoint records the class that wrote it under ``CLASS_KEY``: the public name (``lightning_gans.DCGAN``) for
the library's own classes, so moving a file inside the package never breaks a saved model, else the import path
of a user's subclass. Checkpoints of 0.1.0 (``lightning_gans.modules.vanilla.VanillaGAN``) still load: an import
path that no longer exists falls back to the public class of the same name.
"""

from __future__ import annotations

import importlib
import io
import re
import warnings
import zipfile
from pathlib import Path

import torch
from lightning.pytorch import LightningModule

from lightning_gans.errors import CheckpointError, MissingCheckpointError

CLASS_KEY = "lightning_gans_class"
"""Checkpoint key holding the class that wrote it (set by ``AdversarialModule.on_save_checkpoint``)."""


def public_class_path(cls: type) -> str:
    """``lightning_gans.<Name>`` when ``cls`` is exported by the package under its own name, else
    ``module.QualName``."""
    import lightning_gans

    if cls.__name__ in lightning_gans.__all__ and getattr(lightning_gans, cls.__name__, None) is cls:
        return f"lightning_gans.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def model_class(class_path: str, base: type | None = None) -> type[LightningModule]:
    """Imports ``package.module.ClassName`` and checks it is a LightningModule (and a ``base``, when given).

    A path under ``lightning_gans`` that no longer imports (a module moved since the checkpoint was written)
    resolves to the public class of the same name.
    """
    module_name, _, class_name = class_path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name, None)
    except ImportError:
        cls = None
    if cls is None and module_name.startswith("lightning_gans"):
        import lightning_gans

        cls = getattr(lightning_gans, class_name, None) if class_name in lightning_gans.__all__ else None
    wanted = base if base is not None else LightningModule
    if not (isinstance(cls, type) and issubclass(cls, LightningModule) and issubclass(cls, wanted)):
        what = (
            f"lightning_gans {wanted.__name__} class" if base is not None else "lightning_gans module class"
        )
        raise CheckpointError(f"{class_path!r} in the checkpoint is not a {what}")
    return cls


def model_from_hparams(class_path: str, hyper_parameters: dict) -> LightningModule:
    """A module of class ``class_path`` built from a checkpoint's ``hyper_parameters`` with untrained weights.

    For modules that keep a GAN inside (``IZIfEncoder``): their own checkpoint holds the GAN's class and
    hyperparameters, and its weights in their ``state_dict``, so it loads without the GAN's checkpoint file.
    Goes through Lightning's ``load_from_checkpoint`` on an in-memory checkpoint, the way CLI-configured
    networks (``class_path`` dicts) are instantiated.
    """
    import lightning

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
    # no parameters / every key missing: on purpose, the caller loads the weights
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The state dict in")
        warnings.filterwarnings("ignore", message="Found keys that are in the model state dict but not in")
        return model_class(class_path).load_from_checkpoint(buffer, weights_only=True, strict=False)


def read_checkpoint(path: str | Path) -> dict:
    """The checkpoint dictionary at ``path``, read with ``weights_only=True``.

    Raises:
        CheckpointError: naming what is wrong: no file, not a checkpoint at all (a text file, an image),
            truncated or corrupt, or a checkpoint holding objects that only unpickling arbitrary code could
            rebuild (never loaded here, and never suggested).
    """
    path = Path(path)
    if not path.is_file():
        raise MissingCheckpointError(
            f"No checkpoint at {path}. Pass the path of a .ckpt file written by training."
        )
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            head = f.read(4)
        if head.startswith(b"PK"):  # a zip whose end is missing: a file cut off while written or copied
            raise CheckpointError(
                f"{path} is truncated or corrupt (an incomplete zip archive). Use another checkpoint, e.g. "
                "last.ckpt of the run, or copy the file again."
            )
        raise CheckpointError(
            f"{path} is not a checkpoint (not a torch zip archive). Pass a .ckpt file written by training."
        )
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except RuntimeError as err:  # the archive reader: missing or damaged records
        raise CheckpointError(
            f"{path} is truncated or corrupt ({str(err).splitlines()[0]}). Use another checkpoint, e.g. "
            "last.ckpt of the run, or copy the file again."
        ) from None
    except Exception as err:  # the restricted unpickler refused an object
        # torch's message goes on to suggest allow-listing the object: unsafe advice, never repeated here
        found = re.search(r"GLOBAL (\S+)", str(err))
        reason = f"it refers to {found.group(1)}" if found else type(err).__name__
        raise CheckpointError(
            f"{path} holds Python objects that this command does not unpickle ({reason}); it was not "
            "written by lightning-gans training. Pass a .ckpt file written by `lightning-gans fit`."
        ) from None
    if not isinstance(checkpoint, dict):
        raise CheckpointError(
            f"{path} is not a Lightning checkpoint (it holds a {type(checkpoint).__name__})."
        )
    return checkpoint


def load_model(
    path: str | Path,
    map_location: str | torch.device = "cpu",
    base: type | None = None,
    **network_kwargs,
) -> LightningModule:
    """Rebuilds the lightning-gans module saved at ``path`` (its class from the checkpoint) in eval mode,
    reading the file with ``weights_only=True``; ``base`` checks its kind.

    A run that passed its own network objects in Python must pass them again (``generator=...``); runs
    configured through the CLI stored their ``class_path`` and need nothing.

    Raises:
        CheckpointError: a ValueError (FileNotFoundError for a missing file), printed by the CLI as one line.
    """
    checkpoint = read_checkpoint(path)
    # LightningCLI runs also record the model's class in the hyperparameters (checkpoints from before CLASS_KEY)
    class_path = checkpoint.get(CLASS_KEY) or checkpoint.get("hyper_parameters", {}).get("_class_path")
    if class_path is None:
        raise CheckpointError(f"{path} was not written by a lightning-gans model (no {CLASS_KEY!r} entry).")
    model = model_class(class_path, base).load_from_checkpoint(
        path, map_location=map_location, weights_only=True, **network_kwargs
    )
    return model.eval()
