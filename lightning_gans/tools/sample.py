"""``lightning-gans sample``: a checkpoint -> N PNG files in an ImageFolder layout, or one grid image.

lightning-gans sample --ckpt model.ckpt --num 1000 --out synthetic          # synthetic/generated/000000.png ...
lightning-gans sample --ckpt model.ckpt --num 64 --grid --out grid.png     # one 8x8 grid
lightning-gans sample --ckpt model.ckpt --num 64 --grid --truncation 0.7 --seed 3 --out grid.png

``torchvision.datasets.ImageFolder("synthetic")`` reads the files back (one class, ``--class_name``), so
generated images can extend a training set.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterator
from pathlib import Path

import torch
from PIL import Image

from lightning_gans.callbacks.sample_grid import render_samples, save_png
from lightning_gans.modules.base import GAN
from lightning_gans.tools import (
    add_checkpoint_options,
    check_images,
    has_ema,
    load_generator,
    seeded_noise,
    to_uint8,
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lightning-gans sample",
        description="Generate images from a trained GAN checkpoint: N PNG files that "
        "torchvision.datasets.ImageFolder reads (OUT/CLASS_NAME/000000.png, ...), or one grid image with --grid.",
    )
    add_checkpoint_options(p)
    p.add_argument("--num", type=int, default=64, help="number of samples (default 64)")
    p.add_argument(
        "--out",
        default="samples",
        help="output folder; with --grid, the PNG file (a folder gets grid.png) (default: samples)",
    )
    p.add_argument("--grid", action="store_true", help="write one grid image instead of one file per sample")
    p.add_argument("--nrow", type=int, default=None, help="images per grid row (default: about sqrt(num))")
    p.add_argument(
        "--class_name", "--class-name", default="generated", help="class folder name (default: generated)"
    )
    p.add_argument(
        "--seed", type=int, default=0, help="noise seed: the same seed gives the same images (default 0)"
    )
    p.add_argument(
        "--batch_size", "--batch-size", type=int, default=256, help="samples per forward pass (default 256)"
    )
    p.add_argument(
        "--truncation",
        type=float,
        default=None,
        help="truncation trick: redraw noise entries with |z| > this threshold (e.g. 0.7; default: off)",
    )
    return p


def batches(
    model: GAN,
    num: int,
    seed: int | None = 0,
    batch_size: int = 256,
    ema: bool = True,
    truncation: float | None = None,
) -> Iterator[torch.Tensor]:
    """Yields ``num`` samples, ``(batch, *data_shape)`` on the CPU, ``batch_size`` at a time.

    All the noise is drawn first, so the samples for a seed do not depend on ``batch_size``.
    """
    if num < 1 or batch_size < 1:
        raise ValueError(f"num and batch_size must be >= 1, got num={num}, batch_size={batch_size}")
    z = seeded_noise(model, num, seed, truncation)
    for chunk in z.split(batch_size):
        yield model.sample(z=chunk, ema=ema).cpu()


def generate(model: GAN, num: int, **kwargs) -> torch.Tensor:
    """``(num, *data_shape)`` samples on the CPU; keyword arguments as for ``batches``."""
    return torch.cat(list(batches(model, num, **kwargs)))


def write_image_folder(
    images: torch.Tensor, folder: str | Path, start: int = 0, digits: int = 6
) -> list[Path]:
    """Writes ``(N, C, H, W)`` images in [-1, 1] as ``folder/<start>.png``, ... (grey as 8-bit L, else RGB).

    File names are the sample index, zero-padded to ``digits``, so they sort in generation order.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, image in enumerate(to_uint8(images)):
        array = image[0].numpy() if image.shape[0] == 1 else image.permute(1, 2, 0).numpy()
        path = folder / f"{start + i:0{digits}d}.png"
        Image.fromarray(array).save(path)
        paths.append(path)
    return paths


def grid_path(out: str | Path) -> Path:
    """``--out`` for ``--grid``: a ``.png``/``.jpg`` path as given, anything else as a folder holding grid.png."""
    out = Path(out)
    return out if out.suffix.lower() in (".png", ".jpg", ".jpeg") else out / "grid.png"


def run(args: argparse.Namespace) -> Path:
    """Runs the command for parsed arguments; returns the folder (or grid file) written."""
    model = load_generator(args.ckpt, args.device)
    ema = "EMA generator" if args.ema and has_ema(model) else "generator"
    if args.ema and not has_ema(model):
        ema += " (the checkpoint has no EMA weights)"
    options = dict(seed=args.seed, batch_size=args.batch_size, ema=args.ema, truncation=args.truncation)
    if args.grid:
        samples = generate(model, args.num, **options)
        nrow = args.nrow or max(1, math.ceil(math.sqrt(args.num)))
        path = save_png(render_samples(samples, nrow), grid_path(args.out))
        print(f"Wrote a grid of {args.num} samples to {path} ({ema}, seed {args.seed})")
        return path
    channels, height, width = check_images(model)
    folder = Path(args.out) / args.class_name
    digits = max(6, len(str(args.num - 1)))
    start = 0
    for images in batches(model, args.num, **options):  # one batch in memory at a time
        write_image_folder(images, folder, start, digits)
        start += len(images)
    print(
        f"Wrote {args.num} PNG files ({width}x{height}, {'grey' if channels == 1 else 'RGB'}) to {folder} "
        f"({ema}, seed {args.seed}); torchvision.datasets.ImageFolder({str(args.out)!r}) reads them"
    )
    return folder


def main(argv: list[str] | None = None) -> Path:
    """``lightning-gans sample ...``; ``argv`` excludes the word ``sample``."""
    return run(parser().parse_args(argv))
