"""``lightning-gans traverse``: what an InfoGAN's codes control, as a grid and an animated GIF.

lightning-gans traverse --ckpt infogan.ckpt                        # traversal.png + traversal.gif, code c1
lightning-gans traverse --ckpt infogan.ckpt --continuous 1 --steps 9 --out c2.png

Row ``k`` of the grid holds categorical value ``k`` (of ``--code``), column ``t`` sets continuous code
``--continuous`` to ``linspace(-1, 1, steps)[t]``; the noise ``z`` (one draw under ``--seed``), the other
categorical codes (value 0) and the other continuous codes (0) are the same in every cell, so a row shows what the
category does and a column what the continuous code does. Frame ``t`` of the GIF shows every row at step ``t``
(then back, so it loops).

A model with categorical codes only (ClusterGAN: the cluster, and noise without a meaning of its own) has no code
to sweep: column ``t`` then holds noise draw ``t`` (the same in every row), so a row shows one cluster's variety
and a column the same noise in every cluster.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import torch

from lightning_gans.capabilities import HasCodes
from lightning_gans.errors import ConfigError
from lightning_gans.render import image_grid, save_gif, save_png, zoom
from lightning_gans.tools import check_images, has_ema, load_generator, seeded_noise
from lightning_gans.tools.options import traverse_parser as parser


def traversal_codes(model, code: int, continuous: int, steps: int) -> torch.Tensor:
    """``(K * steps, code_dim)`` codes: row-major over (categorical value ``k`` of ``code``, sweep step ``t``)."""
    if not 0 <= code < len(model.categorical_codes):
        raise ConfigError(
            f"--code {code} does not exist: the model has {len(model.categorical_codes)} categorical codes."
        )
    if model.continuous_codes == 0 and continuous != 0:
        raise ConfigError(
            f"--continuous {continuous} does not exist: the model has no continuous code (its columns are noise "
            "draws); leave --continuous out."
        )
    if model.continuous_codes and not 0 <= continuous < model.continuous_codes:
        raise ConfigError(
            f"--continuous {continuous} does not exist: the model has {model.continuous_codes} continuous codes."
        )
    if steps < 2:
        raise ConfigError(f"--steps must be >= 2, got {steps}.")
    rows = []
    sweep_values = torch.linspace(-1, 1, steps).tolist() if model.continuous_codes else [0.0] * steps
    for k in range(model.categorical_codes[code]):
        for value in sweep_values:
            categories = [k if i == code else 0 for i in range(len(model.categorical_codes))]
            sweep = [value if j == continuous else 0.0 for j in range(model.continuous_codes)]
            rows.append(model.code_vector(categories, sweep))
    return torch.stack(rows)


def traverse(
    model, code: int = 0, continuous: int = 0, steps: int = 8, seed: int = 0, ema: bool = True
) -> torch.Tensor:
    """``(K, steps, C, H, W)`` images on the CPU: categorical value per row, continuous sweep per column, one
    noise vector for all (without continuous codes: noise draw ``t`` in column ``t`` of every row)."""
    codes = traversal_codes(model, code, continuous, steps)
    if model.continuous_codes:
        z = seeded_noise(model, 1, seed).expand(len(codes), -1)
    else:
        z = seeded_noise(model, steps, seed).repeat(model.categorical_codes[code], 1)
    images = model.sample_with_codes(z, codes, ema=ema).cpu()
    return images.reshape(model.categorical_codes[code], steps, *images.shape[1:])


def run(args: argparse.Namespace) -> tuple[Path, Path | None]:
    """Runs the command for parsed arguments; returns the grid path and the GIF path (None with --no-gif)."""
    model = load_generator(args.ckpt, args.device)
    if not isinstance(model, HasCodes):
        raise ConfigError(
            f"{args.ckpt} holds a {type(model).__name__}, not an InfoGAN or a ClusterGAN: it has no codes to traverse."
        )
    check_images(model, "`lightning-gans traverse`")
    images = traverse(model, args.code, args.continuous, args.steps, args.seed, args.ema)
    if args.zoom < 1:
        raise ConfigError(f"--zoom must be >= 1, got {args.zoom}.")
    grid = save_png(zoom(image_grid(images.flatten(0, 1), nrow=args.steps), args.zoom), args.out)
    gif = None
    if args.gif:
        nrow = max(1, math.ceil(math.sqrt(len(images))))
        frames = [zoom(image_grid(images[:, t], nrow=nrow), args.zoom) for t in range(args.steps)]
        gif = save_gif(frames + frames[-2:0:-1], Path(args.out).with_suffix(".gif"), args.frame_ms)
    generator = "EMA generator" if args.ema and has_ema(model) else "generator"
    columns = (
        f"continuous code {args.continuous} (columns, -1 to 1)"
        if model.continuous_codes
        else f"{args.steps} noise draws (columns)"
    )
    print(
        f"Wrote the traversal of categorical code {args.code} (rows) x {columns} to {grid}"
        + (f" and {gif}" if gif else "")
        + f" ({generator}, seed {args.seed})"
    )
    return grid, gif


def main(argv: list[str] | None = None) -> tuple[Path, Path | None]:
    """``lightning-gans traverse ...``; ``argv`` excludes the word ``traverse``."""
    return run(parser().parse_args(argv))
