"""``lightning-gans score``: anomaly scores of a folder of images or a table of vectors, one CSV row each.

lightning-gans score --ckpt izif.ckpt --data photos/ --out scores.csv            # every image under photos/
lightning-gans score --ckpt bigan.ckpt --data rows.csv --out scores.csv --threshold 12.5
lightning-gans score --ckpt izif.ckpt --data photos/ --out scores.csv --topk 16 --topk_png top.png

The model is a BiGAN, an ``IZIfEncoder`` (f-AnoGAN) or any other GAN (discriminator-only score). ``scores.csv``
has ``name,score,flagged``: the file's path under the folder (or ``FILE:LINE`` for a table row), its score
(higher = more anomalous) and whether it is above the threshold (``--threshold``, else the one stored in the
checkpoint; empty when there is neither). Images are converted and resized as training read them; table rows are
standardised with the training statistics the checkpoint holds (``ArrayDataModule``). ``--topk_png`` draws the
k highest-scoring images: input, reconstruction and residual ``|x - G(E(x))|`` rows (input only without an
encoder). A file that cannot be read, or does not match the model's input shape, stops the command with an
error naming it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import torch
from torchvision.datasets.folder import IMG_EXTENSIONS

from lightning_gans.anomaly import score_samples
from lightning_gans.capabilities import Encodes
from lightning_gans.checkpoint import load_model
from lightning_gans.data.array import column_index, read_array, split_features, standardize_with
from lightning_gans.data.transforms import PREPROCESSING_KEY, image_transform
from lightning_gans.data.vision import DataNotFoundError, load_image
from lightning_gans.engine.checkpoint import read_checkpoint
from lightning_gans.errors import ConfigError
from lightning_gans.render import image_grid, save_png
from lightning_gans.tools import pick_device
from lightning_gans.tools.options import score_parser as parser

TABLE_SUFFIXES = (".csv", ".npy", ".pt")


def model_data_shape(model) -> tuple[int, ...]:
    """The shape of one input sample the model takes."""
    shape = getattr(model, "data_shape", None) or getattr(model.generator, "data_shape", None)
    if shape is None:
        raise ConfigError("the model does not say its input shape (no data_shape on it or its generator).")
    return tuple(shape)


def image_files(folder: Path) -> list[Path]:
    """Every image file under ``folder``, sorted by path."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMG_EXTENSIONS)
    if not files:
        raise DataNotFoundError(
            f"No image files under {folder} (image files end in {', '.join(IMG_EXTENSIONS)})."
        )
    return files


def read_images(
    folder: Path, shape: tuple[int, ...], crop_size: int | None = None
) -> tuple[list[str], torch.Tensor]:
    """``(names, (N, C, S, S) images in [-1, 1])``, prepared by the vision data modules' own transform (with the
    training data's ``crop_size``, which the checkpoint keeps: CelebA's face crop)."""
    if len(shape) != 3:
        raise ConfigError(
            f"{folder} is a folder of images but the model takes vectors of shape {shape}: pass a table "
            "(.csv, .npy, .pt) with --data."
        )
    channels, size = shape[0], shape[1]
    transform = image_transform(channels, size, crop_size)  # the training data's own transform
    files = image_files(folder)
    images = torch.stack([transform(load_image(str(f))) for f in files])  # load_image names a corrupt file
    return [str(f.relative_to(folder)) for f in files], images


def read_table(path: Path, shape: tuple[int, ...], ckpt: dict, label_column: str | None):
    """``(names, (N, D) standardised rows)``; refuses a table whose width is not the model's."""
    if len(shape) != 1:
        raise ConfigError(
            f"{path} is a table but the model takes images of shape {shape}: pass a folder of images."
        )
    values, names = read_array(path)
    if label_column is not None:
        label_column = int(label_column) if label_column.lstrip("-").isdigit() else label_column
    index = column_index(label_column, names, values.shape[1], "leave out --label_column", str(path))
    x, _ = split_features(values, index)
    if x.shape[1] != shape[0]:
        raise ConfigError(
            f"{path} has {x.shape[1]} feature columns but the model takes {shape[0]} "
            "(leave a label column out with --label_column)."
        )
    stats = ckpt.get("ArrayDataModule")
    if stats is not None:  # the training rows' statistics, saved by the data module
        x = standardize_with(x, stats["mean"], stats["std"])
    first_line = 2 if names is not None else 1
    return [f"{path.name}:{first_line + i}" for i in range(len(x))], x


def batched(fn, x: torch.Tensor, batch_size: int) -> torch.Tensor:
    return torch.cat([fn(chunk).cpu() for chunk in x.split(batch_size)])


def write_scores(path: Path, names: list[str], scores: torch.Tensor, flags: torch.Tensor | None) -> Path:
    """``name,score,flagged`` rows (``flagged`` 1/0, empty without a threshold)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "score", "flagged"])
        for i, name in enumerate(names):
            writer.writerow([name, f"{scores[i].item():.6g}", "" if flags is None else int(flags[i])])
    return path


def top_anomalies_picture(model, images: torch.Tensor, scores: torch.Tensor, k: int) -> torch.Tensor:
    """``(3, H, W)`` uint8: the k highest-scoring images, then their reconstructions and residuals (rows)."""
    top = images[scores.argsort(descending=True)[:k]]
    rows = [top]
    if isinstance(model, Encodes):
        reconstruction = model.reconstruct(top).cpu()
        rows += [reconstruction, (top - reconstruction).abs() - 1]  # residual in [0, 2] drawn in [-1, 1]
    return image_grid(torch.cat(rows), nrow=len(top))


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    data = Path(args.data)
    if not data.exists():
        raise DataNotFoundError(
            f"--data {data} does not exist: give a folder of images or a .csv/.npy/.pt table."
        )
    model = load_model(args.ckpt, map_location=pick_device(args.device)).eval()
    shape = model_data_shape(model)
    ckpt = read_checkpoint(args.ckpt)  # what the run kept of its data: crop, column statistics
    if data.is_dir():
        names, x = read_images(data, shape, ckpt.get(PREPROCESSING_KEY, {}).get("crop_size"))
    elif data.suffix.lower() in TABLE_SUFFIXES:
        names, x = read_table(data, shape, ckpt, args.label_column)
    else:
        raise ConfigError(f"--data {data}: expected a folder of images or a .csv, .npy or .pt table.")
    scores = batched(lambda chunk: score_samples(model, chunk), x, args.batch_size)
    stored = getattr(model, "anomaly_threshold", None)
    threshold = args.threshold if args.threshold is not None else stored
    flags = None
    if threshold is not None and not torch.isnan(torch.as_tensor(threshold)):
        flags = scores > float(threshold)
    out = write_scores(Path(args.out), names, scores, flags)
    summary = f"{len(names)} scores -> {out}"
    if flags is None:
        summary += " (no threshold: flagged is empty; pass --threshold)"
    else:
        summary += f"; {int(flags.sum())} flagged above {float(threshold):.6g}"
    if x.dim() == 4 and args.topk > 0:
        png = Path(args.topk_png) if args.topk_png else out.with_suffix(".png")
        save_png(top_anomalies_picture(model, x, scores, args.topk), png)
        summary += f"; top {min(args.topk, len(names))} anomalies: {png}"
    print(summary)
