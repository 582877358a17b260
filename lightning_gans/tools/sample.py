"""``lightning-gans sample``: a checkpoint -> N PNG files in an ImageFolder layout, one grid image, or rows.

lightning-gans sample --ckpt model.ckpt --num 1000 --out synthetic          # synthetic/generated/000000.png ...
lightning-gans sample --ckpt model.ckpt --num 64 --grid --out grid.png     # one 8x8 grid
lightning-gans sample --ckpt model.ckpt --num 64 --grid --truncation 0.7 --seed 3 --out grid.png
lightning-gans sample --ckpt table.ckpt --num 1000 --out rows.csv         # a table model: rows (or .npy)
lightning-gans sample --ckpt ring8.ckpt --num 2500 --out rows.csv --rejection drs --data ring8   # DRS / MH-GAN

``--rejection drs|mh`` keeps the samples the calibrated discriminator prefers (``lightning_gans.sampling``),
calibrated on held-out real data (``lightning_gans.tools.held_out``), and prints the calibration's reliability and
the acceptance rate.

A model that makes rows (a table model, 2-D points) writes them as CSV (a header of the training columns' names,
``x0, x1, ...`` without one) or .npy, in the training table's units: un-standardised with the statistics the
checkpoint keeps (``ArrayDataModule``).

Conditional models (``num_classes: K``) write one subfolder per class, ``OUT/0 .. OUT/K-1`` (zero-padded, or the
class folder names of ``--balance FOLDER``), every one created even when empty:

lightning-gans sample --ckpt cond.ckpt --class 3 --num 500 --out synthetic   # 500 images in synthetic/3/
lightning-gans sample --ckpt cond.ckpt --balance data/train --out data/train  # top every class up to the largest
lightning-gans sample --ckpt cond.ckpt --balance 150,15,150,15,150,15,150,15,150,15 --out extra
lightning-gans sample --ckpt cond.ckpt --num 80 --grid --out grid.png         # one class per row

``torchvision.datasets.ImageFolder("synthetic")`` reads the files back (one class, ``--class_name``, for an
unconditional model; ``ImageFolder(out, allow_empty=True)`` with the right labels for a conditional one, or merged
into the training folder itself with ``--out`` = that folder), so generated images can extend a training set.
Conditional files are named ``gen_000000.png``, ... so they never overwrite real images.
"""

from __future__ import annotations

import argparse
import csv
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from lightning_gans.errors import ConfigError
from lightning_gans.modules.gan import GAN
from lightning_gans.render import class_rows, render_samples, save_png
from lightning_gans.tools.common import (
    check_images,
    class_folder_names,
    has_ema,
    load_generator,
    sample_shape,
    seeded_labels,
    seeded_noise,
    to_uint8,
)
from lightning_gans.tools.options import sample_parser as parser


def batches(
    model: GAN,
    num: int,
    seed: int | None = 0,
    batch_size: int = 256,
    ema: bool = True,
    truncation: float | None = None,
    labels: torch.Tensor | None = None,
    sampler=None,
) -> Iterator[torch.Tensor]:
    """Yields ``num`` samples, ``(batch, *data_shape)`` on the CPU, ``batch_size`` at a time.

    All the noise is drawn first, so the samples for a seed do not depend on ``batch_size``. A conditional model
    generates ``labels`` (``(num,)`` classes), or labels drawn under the seed when None. With a ``sampler``
    (a ``lightning_gans.sampling.RejectionSampler``) the samples are its corrected ones, drawn all at once under
    the seed (its proposals are not fixed in advance: how many it needs depends on what it accepts).
    """
    if num < 1 or batch_size < 1:
        raise ValueError(f"num and batch_size must be >= 1, got num={num}, batch_size={batch_size}")
    if sampler is not None:
        if labels is None:
            labels = seeded_labels(model, num, seed)
        devices = [model.device] if model.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            if seed is not None:
                torch.manual_seed(seed)
            samples = sampler.sample(num, labels=labels)
        yield from samples.cpu().split(batch_size)
        return
    z = seeded_noise(model, num, seed, truncation)
    if labels is None:
        labels = seeded_labels(model, num, seed)
    label_chunks = [None] * len(z.split(batch_size)) if labels is None else labels.split(batch_size)
    for chunk, label_chunk in zip(z.split(batch_size), label_chunks, strict=True):
        yield model.sample(z=chunk, ema=ema, labels=label_chunk).cpu()


def generate(model: GAN, num: int, **kwargs) -> torch.Tensor:
    """``(num, *data_shape)`` samples on the CPU; keyword arguments as for ``batches``."""
    return torch.cat(list(batches(model, num, **kwargs)))


def write_image_folder(
    images: torch.Tensor, folder: str | Path, start: int = 0, digits: int = 6, prefix: str = ""
) -> list[Path]:
    """Writes ``(N, C, H, W)`` images in [-1, 1] as ``folder/<prefix><start>.png``, ... (grey as 8-bit L, else RGB).

    File names are the sample index, zero-padded to ``digits``, so they sort in generation order.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, image in enumerate(to_uint8(images)):
        array = image[0].numpy() if image.shape[0] == 1 else image.permute(1, 2, 0).numpy()
        path = folder / f"{prefix}{start + i:0{digits}d}.png"
        Image.fromarray(array).save(path)
        paths.append(path)
    return paths


def grid_path(out: str | Path) -> Path:
    """``--out`` for ``--grid``: a ``.png``/``.jpg`` path as given, anything else as a folder holding grid.png."""
    out = Path(out)
    return out if out.suffix.lower() in (".png", ".jpg", ".jpeg") else out / "grid.png"


def class_counts_of(spec: str, num_classes: int) -> tuple[list[str] | None, list[int]]:
    """``--balance``: ``(folder names or None, per-class counts)`` of an ImageFolder-layout folder or a
    comma-separated list of ``num_classes`` counts."""
    from torchvision.datasets import ImageFolder

    if Path(spec).is_dir():
        folder = ImageFolder(spec, allow_empty=True)  # lists files only, opens no image
        names, counts = (
            folder.classes,
            torch.bincount(
                torch.as_tensor(folder.targets, dtype=torch.long), minlength=len(folder.classes)
            ).tolist(),
        )
        what = f"the folder {spec} has {len(names)} class subfolders"
    else:
        try:
            names, counts = None, [int(c) for c in spec.split(",")]
        except ValueError:
            raise ConfigError(
                f"--balance {spec!r} is neither a folder nor comma-separated counts. Give a folder of class "
                "subfolders (ImageFolder layout) or one count per class, e.g. 150,15,150,..."
            ) from None
        what = f"--balance gives {len(counts)} counts"
        if any(c < 0 for c in counts):
            raise ConfigError(f"--balance counts must be >= 0, got {spec}.")
    if len(counts) != num_classes:
        raise ConfigError(f"{what} but the model has {num_classes} classes: give one per class.")
    return names, counts


def requested_labels(args: argparse.Namespace, model: GAN) -> tuple[torch.Tensor | None, list[str] | None]:
    """The ``(num,)`` classes to generate (None: drawn as in training) and the class folder names to use."""
    num_classes = getattr(model, "num_classes", None)
    if num_classes is None:
        if args.class_index is not None or args.balance is not None:
            raise ConfigError(
                "--class and --balance need a class-conditional model (trained with model num_classes: K); "
                f"{args.ckpt} is unconditional."
            )
        return None, None
    if args.class_index is not None and args.balance is not None:
        raise ConfigError("give --class or --balance, not both.")
    if args.class_index is not None:
        if not 0 <= args.class_index < num_classes:
            raise ConfigError(
                f"--class {args.class_index} does not exist: the model has classes 0 to {num_classes - 1}."
            )
        return torch.full((args.num,), args.class_index, dtype=torch.long), None
    if args.balance is not None:
        names, counts = class_counts_of(args.balance, num_classes)
        missing = [max(counts) - c for c in counts]
        return torch.repeat_interleave(torch.arange(num_classes), torch.tensor(missing)), names
    return None, None


def write_classes(
    model: GAN, args: argparse.Namespace, labels: torch.Tensor | None, names: list[str] | None, options: dict
) -> tuple[Path, list[int]]:
    """Writes a conditional model's samples into ``OUT/<class>/gen_XXXXXX.png``; returns OUT and per-class counts."""
    names = names or class_folder_names(model.num_classes)
    out = Path(args.out)
    for name in names:  # every class folder, so ImageFolder(out, allow_empty=True) gives the right labels
        (out / name).mkdir(parents=True, exist_ok=True)
    written = [0] * model.num_classes
    num = args.num if labels is None else len(labels)
    if num == 0:
        return out, written
    if labels is None:
        labels = seeded_labels(model, num, args.seed)
    start = 0
    for images in batches(model, num, labels=labels, **options):  # one batch in memory at a time
        chunk = labels[start : start + len(images)]
        for c in chunk.unique().tolist():
            picked = images[chunk == c]
            write_image_folder(picked, out / names[c], written[c], prefix="gen_")
            written[c] += len(picked)
        start += len(images)
    return out, written


ROW_SUFFIXES = (".csv", ".npy")


def rows_path(out: str | Path) -> Path:
    """``--out`` for a model that makes rows: a ``.csv``/``.npy`` path as given, anything else as a folder
    holding rows.csv."""
    out = Path(out)
    return out if out.suffix.lower() in ROW_SUFFIXES else out / "rows.csv"


def table_statistics(ckpt: str) -> dict:
    """What the checkpoint keeps of the training table (``ArrayDataModule``'s ``state_dict``: ``mean``, ``std``
    and, for a CSV with a header, ``columns``), or ``{}``."""
    state = torch.load(ckpt, map_location="cpu", weights_only=True).get("ArrayDataModule")
    return state if isinstance(state, dict) else {}


def write_rows(
    rows: torch.Tensor, path: Path, columns: list[str], labels: torch.Tensor | None = None
) -> Path:
    """Writes ``(N, D)`` rows as CSV (a header of ``columns``, then ``label`` for a conditional model) or .npy
    (the values only; labels as the last column)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    values = rows.double().numpy()
    if labels is not None:
        values = np.column_stack([values, labels.numpy()])
        columns = [*columns, "label"]
    if path.suffix.lower() == ".npy":
        np.save(path, values)
        return path
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows([[f"{v:.7g}" for v in row] for row in values.tolist()])
    return path


def write_table(model: GAN, args: argparse.Namespace, width: int, labels, options: dict, ema: str) -> Path:
    """A model that makes rows (a table model, 2-D points): ``--num`` rows in the training table's units
    (un-standardised with the statistics the checkpoint keeps) and with its column names."""
    state = table_statistics(args.ckpt)
    num = args.num if labels is None else len(labels)
    if labels is None:
        labels = seeded_labels(model, num, args.seed)
    rows = generate(model, num, labels=labels, **options)
    if "mean" in state and "std" in state:
        rows = rows * state["std"].to(rows) + state["mean"].to(rows)
    columns = list(state.get("columns") or [f"x{i}" for i in range(width)])
    if len(columns) != width:
        columns = [f"x{i}" for i in range(width)]
    path = write_rows(rows, rows_path(args.out), columns, labels)
    units = " (in the training table's units)" if "mean" in state else ""
    print(f"Wrote {num} rows of {width} values{units} to {path} ({ema}, seed {args.seed})")
    return path


def run(args: argparse.Namespace) -> Path:
    """Runs the command for parsed arguments; returns the folder (or grid file, or rows file) written."""
    model = load_generator(args.ckpt, args.device)
    sampler = None
    if args.rejection is not None:
        if args.truncation is not None:
            raise ConfigError(
                "--truncation and --rejection both change which samples come out; give one of them."
            )
        from lightning_gans.tools.held_out import rejection_sampler

        sampler = rejection_sampler(args, model)
    path = write(model, args, sampler)
    if sampler is not None:
        print(sampler.describe())
    return path


def write(model: GAN, args: argparse.Namespace, sampler=None) -> Path:
    """Generates and writes what ``args`` ask for (with a ``RejectionSampler`` when given); returns the path."""
    ema = "EMA generator" if args.ema and has_ema(model) else "generator"
    if args.ema and not has_ema(model):
        ema += " (the checkpoint has no EMA weights)"
    if sampler is not None:
        ema += f", {args.rejection.upper()}"
    options = dict(
        seed=args.seed, batch_size=args.batch_size, ema=args.ema, truncation=args.truncation, sampler=sampler
    )
    labels, names = requested_labels(args, model)
    shape = sample_shape(model)
    if len(shape) == 1 and not (args.grid and shape[0] == 2):
        if args.grid:
            raise ConfigError(
                f"--grid draws images and 2-D points, but this model makes rows of {shape[0]} values: leave out "
                "--grid and give --out rows.csv (or rows.npy) to write them."
            )
        return write_table(model, args, shape[0], labels, options, ema)
    if len(shape) != 1 and Path(args.out).suffix.lower() in ROW_SUFFIXES:
        raise ConfigError(
            f"--out {args.out} is a table file, but this model makes images of shape {shape}: give a folder "
            "(or, with --grid, a .png file)."
        )
    if args.grid:
        nrow = args.nrow or max(1, math.ceil(math.sqrt(args.num)))
        if labels is None and getattr(model, "num_classes", None) is not None:  # one class per row
            nrow = args.nrow or max(1, math.ceil(args.num / model.num_classes))
            labels = class_rows(model.num_classes, nrow)
        samples = generate(model, args.num if labels is None else len(labels), labels=labels, **options)
        path = save_png(render_samples(samples, nrow), grid_path(args.out))
        print(f"Wrote a grid of {len(samples)} samples to {path} ({ema}, seed {args.seed})")
        return path
    channels, height, width = check_images(model)
    kind = f"{width}x{height}, {'grey' if channels == 1 else 'RGB'}"
    if getattr(model, "num_classes", None) is not None:
        out, written = write_classes(model, args, labels, names, options)
        per_class = ", ".join(
            f"{n}: {w}" for n, w in zip(names or class_folder_names(model.num_classes), written, strict=True)
        )
        print(
            f"Wrote {sum(written)} PNG files ({kind}) to the class folders of {out} ({per_class}) ({ema}, seed "
            f"{args.seed}); torchvision.datasets.ImageFolder({str(out)!r}, allow_empty=True) reads them with "
            "their labels"
        )
        return out
    folder = Path(args.out) / args.class_name
    digits = max(6, len(str(args.num - 1)))
    start = 0
    for images in batches(model, args.num, **options):  # one batch in memory at a time
        write_image_folder(images, folder, start, digits)
        start += len(images)
    print(
        f"Wrote {args.num} PNG files ({kind}) to {folder} "
        f"({ema}, seed {args.seed}); torchvision.datasets.ImageFolder({str(args.out)!r}) reads them"
    )
    return folder


def main(argv: list[str] | None = None) -> Path:
    """``lightning-gans sample ...``; ``argv`` excludes the word ``sample``."""
    return run(parser().parse_args(argv))
