"""What the generation tools share: loading a checkpoint's generator, seeded (truncated) noise, uint8 images.

``lightning-gans sample`` and ``lightning-gans interpolate`` load a checkpoint with
``lightning_gans.checkpoint.load_gan`` (``weights_only=True``) and generate through ``GAN.sample``, so EMA
weights are used when the checkpoint has them.
"""

from __future__ import annotations

import torch

from lightning_gans.checkpoint import load_gan
from lightning_gans.errors import ConfigError
from lightning_gans.modules.gan import GAN
from lightning_gans.render import to_uint8  # noqa: F401  re-exported: lightning_gans.tools.to_uint8


def pick_device(device: str = "auto") -> torch.device:
    """``"auto"`` = the first CUDA GPU when there is one, else the CPU; anything else as ``torch.device``."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def load_generator(ckpt: str, device: str = "auto") -> GAN:
    """The GAN saved at ``ckpt`` on ``device``, in eval mode."""
    return load_gan(ckpt, map_location=pick_device(device)).eval()


def has_ema(model: GAN) -> bool:
    """True when the model samples from an EMA copy of its generator."""
    return model.sampling_generator is not model.generator


def truncate_noise(model: GAN, z: torch.Tensor, threshold: float, max_rounds: int = 1000) -> torch.Tensor:
    """The truncation trick: redraws every entry of ``z`` with ``|z| > threshold`` from ``model.sample_noise``.

    Redrawing (rather than clipping) keeps the noise distribution's shape inside the threshold.

    Args:
        model: whose ``sample_noise`` hook draws the replacements.
        z: ``(n, latent_dim)`` noise.
        threshold: > 0; smaller trades variety for fidelity.
        max_rounds: redraw rounds before giving up (each keeps every entry that is already inside).
    """
    if threshold <= 0:
        raise ValueError(f"truncation must be > 0, got {threshold}")
    for _ in range(max_rounds):
        outside = z.abs() > threshold
        if not outside.any():
            return z
        z = torch.where(outside, model.sample_noise(z.shape[0]).to(z), z)
    raise ValueError(
        f"truncation {threshold} is too small for this model's noise: entries still outside after "
        f"{max_rounds} redraws; use a larger threshold (0.5 to 2 is typical for N(0, 1) noise)."
    )


def seeded_noise(model: GAN, n: int, seed: int | None, truncation: float | None = None) -> torch.Tensor:
    """``(n, latent_dim)`` noise from the model's ``sample_noise`` hook, reproducible for a given ``seed``.

    The global RNG state is restored afterwards, so calling this does not change what other code draws.
    """
    devices = [model.device] if model.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        if seed is not None:
            torch.manual_seed(seed)
        z = model.sample_noise(n)
        if truncation is not None:
            z = truncate_noise(model, z, truncation)
    return z


def seeded_labels(model: GAN, n: int, seed: int | None) -> torch.Tensor | None:
    """``(n,)`` labels drawn as in training (``model.draw_labels``) under ``seed``, or None for an unconditional
    model. Seeded apart from the noise (``seed + 1``), so asking for labels does not change the noise."""
    if getattr(model, "num_classes", None) is None:
        return None
    devices = [model.device] if model.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        if seed is not None:
            torch.manual_seed(seed + 1)
        return model.draw_labels(n)


def class_folder_names(num_classes: int) -> list[str]:
    """Folder names ``0 .. K-1`` zero-padded to one width, so that their sorted order (the order
    ``torchvision.datasets.ImageFolder`` gives labels in) is the class order."""
    width = len(str(num_classes - 1))
    return [f"{c:0{width}d}" for c in range(num_classes)]


def sample_shape(model: GAN) -> tuple[int, ...]:
    """The shape of one sample the model generates: ``(C, H, W)`` for images, ``(D,)`` for rows and points."""
    shape = getattr(model.generator, "data_shape", None)
    if shape is None:
        shape = tuple(model.sample(1).shape[1:])
    return tuple(int(s) for s in shape)


def check_images(model: GAN, command: str = "this command") -> tuple[int, int, int]:
    """``(C, H, W)`` of the model's samples, or a ``ConfigError`` (a ValueError) when it makes rows or points, not
    images, naming ``lightning-gans sample`` (which writes them as rows)."""
    shape = sample_shape(model)
    if len(shape) == 1:
        points = (
            " (`lightning-gans sample --grid` draws 2-D points as a scatter plot)" if shape[0] == 2 else ""
        )
        raise ConfigError(
            f"this model generates rows of {shape[0]} values, not 1- or 3-channel images, so {command} cannot "
            "draw them; `lightning-gans sample --ckpt CKPT --num N --out rows.csv` (or rows.npy) writes them as "
            f"rows{points}."
        )
    if len(shape) != 3 or shape[0] not in (1, 3):
        raise ConfigError(
            f"this model generates samples of shape {shape}, not 1- or 3-channel images; {command} draws images "
            "only."
        )
    return shape
