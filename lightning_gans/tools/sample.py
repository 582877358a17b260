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
from lightning_gans.tools.common import check_images, has_ema, load_generator, seeded_noise, to_uint8
from lightning_gans.tools.options import sample_parser as parser


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
