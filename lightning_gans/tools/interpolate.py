"""``lightning-gans interpolate``: latent walks between random points, as a grid and an animated GIF.

lightning-gans interpolate --ckpt model.ckpt                                # interpolation.png + .gif
lightning-gans interpolate --ckpt model.ckpt --paths 6 --steps 10 --method linear --out walk.png

Row ``i`` of the grid walks from ``z_start[i]`` (first column) to ``z_end[i]`` (last column); frame ``t`` of the GIF
shows every path at step ``t`` (then back again, so it loops smoothly). A class-conditional model holds the class
fixed along each path: ``--class K`` for every path, else class ``i mod K`` on row ``i``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Literal

import torch

from lightning_gans.errors import ConfigError
from lightning_gans.modules.gan import GAN
from lightning_gans.render import image_grid, save_gif, save_png
from lightning_gans.tools.common import check_images, has_ema, load_generator, seeded_noise
from lightning_gans.tools.options import interpolate_parser as parser

Method = Literal["slerp", "linear"]


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Linear interpolation ``(1 - t) a + t b`` of ``(n, d)`` points at ``(k,)`` times -> ``(n, k, d)``."""
    t = t.to(a)[None, :, None]
    return (1 - t) * a[:, None] + t * b[:, None]


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Spherical interpolation of ``(n, d)`` points at ``(k,)`` times -> ``(n, k, d)``.

    ``slerp(a, b, t) = sin((1 - t) w) / sin(w) a + sin(t w) / sin(w) b`` with ``w`` the angle between ``a`` and
    ``b``. For Gaussian noise it keeps intermediate points at a typical norm, where linear paths pass near the
    origin, which the generator never saw in training (White, "Sampling Generative Networks", 2016). Nearly
    parallel pairs (``sin(w) < eps``) fall back to linear interpolation. ``t = 0`` and ``t = 1`` give ``a`` and
    ``b`` exactly.
    """
    t = t.to(a)[None, :, None]
    cos = torch.nn.functional.cosine_similarity(a, b, dim=1).clamp(-1, 1)[:, None, None]
    omega = torch.arccos(cos)
    sin = torch.sin(omega)
    safe = sin.abs() > eps
    sin = torch.where(safe, sin, torch.ones_like(sin))
    spherical = (torch.sin((1 - t) * omega) / sin) * a[:, None] + (torch.sin(t * omega) / sin) * b[:, None]
    return torch.where(safe, spherical, lerp(a, b, t[0, :, 0]))


def latent_paths(
    model: GAN, num_paths: int, steps: int, method: Method = "slerp", seed: int | None = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(z_start, z_end, z_path)``: ``(num_paths, latent_dim)`` end points and ``(num_paths, steps, latent_dim)``.

    The end points come from the model's ``sample_noise`` hook under ``seed``: ``2 * num_paths`` draws, the first
    half the starts and the second half the ends.
    """
    if num_paths < 1 or steps < 2:
        raise ValueError(f"need paths >= 1 and steps >= 2, got paths={num_paths}, steps={steps}")
    if method not in ("slerp", "linear"):
        raise ValueError(f"method must be 'slerp' or 'linear', got {method!r}")
    z = seeded_noise(model, 2 * num_paths, seed)
    z_start, z_end = z[:num_paths], z[num_paths:]
    t = torch.linspace(0, 1, steps)
    path = (slerp if method == "slerp" else lerp)(z_start, z_end, t)
    return z_start, z_end, path


def interpolate(
    model: GAN,
    num_paths: int = 4,
    steps: int = 8,
    method: Method = "slerp",
    seed: int | None = 0,
    ema: bool = True,
    class_index: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Generates along ``latent_paths``: returns ``(images, z_start, z_end)``.

    ``images`` is ``(num_paths, steps, C, H, W)`` on the CPU; ``images[:, 0]`` is ``model.sample(z=z_start)`` and
    ``images[:, -1]`` is ``model.sample(z=z_end)``. A conditional model keeps one class along each path:
    ``class_index`` for all, or class ``i mod K`` for path ``i`` when None.
    """
    z_start, z_end, path = latent_paths(model, num_paths, steps, method, seed)
    flat = model.sample(
        z=path.reshape(num_paths * steps, -1),
        ema=ema,
        labels=path_labels(model, num_paths, steps, class_index),
    ).cpu()
    return flat.reshape(num_paths, steps, *flat.shape[1:]), z_start, z_end


def path_labels(model: GAN, num_paths: int, steps: int, class_index: int | None) -> torch.Tensor | None:
    """``(num_paths * steps,)`` labels, constant along each path, or None for an unconditional model."""
    num_classes = getattr(model, "num_classes", None)
    if num_classes is None:
        if class_index is not None:
            raise ConfigError("--class needs a class-conditional model (trained with model num_classes: K).")
        return None
    per_path = (
        torch.arange(num_paths) % num_classes
        if class_index is None
        else torch.full((num_paths,), class_index)
    )
    return per_path.repeat_interleave(steps)


def run(args: argparse.Namespace) -> tuple[Path, Path | None]:
    """Runs the command for parsed arguments; returns the grid path and the GIF path (None with --no-gif)."""
    model = load_generator(args.ckpt, args.device)
    check_images(model, "`lightning-gans interpolate`")
    images, _, _ = interpolate(
        model, args.paths, args.steps, args.method, args.seed, args.ema, class_index=args.class_index
    )
    grid = save_png(image_grid(images.flatten(0, 1), nrow=args.steps), args.out)
    gif = None
    if args.gif:
        nrow = max(1, math.ceil(math.sqrt(args.paths)))
        frames = [image_grid(images[:, t], nrow=nrow) for t in range(args.steps)]
        gif = save_gif(frames + frames[-2:0:-1], Path(args.out).with_suffix(".gif"), args.frame_ms)
    ema = "EMA generator" if args.ema and has_ema(model) else "generator"
    print(
        f"Wrote {args.paths} {args.method} paths of {args.steps} steps to {grid}"
        + (f" and {gif}" if gif else "")
        + f" ({ema}, seed {args.seed})"
    )
    return grid, gif


def main(argv: list[str] | None = None) -> tuple[Path, Path | None]:
    """``lightning-gans interpolate ...``; ``argv`` excludes the word ``interpolate``."""
    return run(parser().parse_args(argv))
