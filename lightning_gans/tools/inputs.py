"""What ``lightning-gans encode`` and ``cluster`` read and compute on: any data a model takes, and its latent vectors.

``--data`` is a built-in set (``digits``, ``mnist``, ``fashion_mnist``: its own labels come along), a folder of
images (searched recursively, sorted by path; named by their path under the folder) or a table (``.csv``,
``.npy``, ``.pt``; rows named by their index, 0 = the first data row; ``--label_column`` leaves a column out of the
features and gives the labels). Images are prepared by the vision data modules' own transform, table rows
standardised with the training statistics the checkpoint holds, as ``lightning-gans score`` reads them.

``latent_vectors`` is a model's way into its latent space: ``encode`` for models with an encoder (BiGAN, the
izi_f ``IZIfEncoder``, ClusterGAN) and Q's estimate of the codes for InfoGAN.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from lightning_gans.capabilities import Encodes
from lightning_gans.data.array import column_index, read_array, split_features, standardize_with
from lightning_gans.data.digits import load_digits_split
from lightning_gans.data.transforms import PREPROCESSING_KEY
from lightning_gans.errors import ConfigError, DataNotFoundError
from lightning_gans.tools.score import TABLE_SUFFIXES, model_data_shape, read_images

VISION_SETS = {"mnist": "MNISTDataModule", "fashion_mnist": "FashionMNISTDataModule"}
"""torchvision sets read from ``--root`` (downloaded once by ``lightning-gans fit``) -> their data module."""

BUILT_IN_SETS = ("digits", *VISION_SETS)
"""``--data`` names of the sets the library loads itself."""

IZIF_HINT = (
    "train an encoder for it (`lightning-gans fit --config configs/anomaly/digits_izif.yaml "
    "--model.gan_ckpt CKPT`, an IZIfEncoder) and pass that checkpoint, or train a ClusterGAN or BiGAN"
)
"""The fix for a model without an encoder: f-AnoGAN's izi_f encoder inverts any trained GAN."""


@dataclass
class Inputs:
    """Data read for a model.

    Attributes:
        names: one name per sample, in input order: the index in the split or table, or the image's path under
            the folder.
        x: ``(N, *data_shape)`` samples, scaled as in training.
        labels: ``(N,)`` long labels (a built-in set's own, or a table's ``--label_column``), else None.
    """

    names: list[str]
    x: torch.Tensor
    labels: torch.Tensor | None = None


def read_inputs(
    data: str,
    model,
    checkpoint: dict,
    split: str = "train",
    root: str = "data",
    label_column: str | None = None,
) -> Inputs:
    """The samples of ``data`` in the shape ``model`` takes, or a ``ConfigError`` / ``DataNotFoundError`` naming
    the fix (a folder for a model of rows, a table of the wrong width, a path that does not exist).

    Args:
        data: a built-in set's name, a folder of images or a table file.
        model: the loaded model (its input shape decides how images are prepared).
        checkpoint: the checkpoint dictionary (its crop size and column statistics).
        split: built-in sets: ``train``, ``test`` or ``all`` (digits).
        root: folder of the torchvision sets.
        label_column: tables: a column (index or header name) that is the label, not a feature.
    """
    shape = model_data_shape(model)
    if data in BUILT_IN_SETS:
        if len(shape) != 3:
            raise ConfigError(
                f"--data {data} is a set of images but the model takes rows of shape {list(shape)}: pass a table "
                "(.csv, .npy, .pt) of that width."
            )
        images, labels = load_images(data, split, shape[1], shape[0], root)
        return Inputs([str(i) for i in range(len(images))], images, labels)
    path = Path(data)
    if not path.exists():
        raise DataNotFoundError(
            f"--data {data} does not exist: give {', '.join(BUILT_IN_SETS)}, a folder of images or a "
            ".csv/.npy/.pt table."
        )
    if path.is_dir():
        names, x = read_images(path, shape, checkpoint.get(PREPROCESSING_KEY, {}).get("crop_size"))
        return Inputs(names, x)
    if path.suffix.lower() in TABLE_SUFFIXES:
        return read_labelled_table(path, shape, checkpoint, label_column)
    raise ConfigError(f"--data {data}: expected {', '.join(BUILT_IN_SETS)}, a folder of images or a table.")


def read_labelled_table(
    path: Path, shape: tuple[int, ...], checkpoint: dict, label_column: str | None
) -> Inputs:
    """A table's rows (standardised with the checkpoint's training statistics) and its label column, if named."""
    if len(shape) != 1:
        raise ConfigError(
            f"{path} is a table but the model takes images of shape {list(shape)}: pass a folder of images."
        )
    values, columns = read_array(path)
    if label_column is not None and label_column.lstrip("-").isdigit():
        label_column = int(label_column)
    index = column_index(label_column, columns, values.shape[1], "leave out --label_column", str(path))
    x, labels = split_features(values, index)
    if x.shape[1] != shape[0]:
        hint = "" if index is not None else "; leave a label column out with --label_column"
        raise ConfigError(f"{path} has {x.shape[1]} feature columns but the model takes {shape[0]}{hint}.")
    stats = checkpoint.get("ArrayDataModule")
    if stats is not None:  # the training rows' statistics, saved by the data module
        x = standardize_with(x, stats["mean"], stats["std"])
    return Inputs([str(i) for i in range(len(x))], x, labels)


def load_images(
    data: str, split: str, image_size: int, channels: int, root: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(N, C, S, S)`` images of a built-in set in [-1, 1] (as in training) and their ``(N,)`` labels, in the
    set's order."""
    if data == "digits":
        parts = load_digits_split(image_size)
        names = ["train", "test"] if split == "all" else [split]
        return torch.cat([parts[n] for n in names]), torch.cat([parts[f"{n}_labels"] for n in names])
    if data in VISION_SETS:
        if split != "train":
            raise ConfigError(
                f"--data {data} reads the training split only (the split the model trained on)."
            )
        import lightning_gans.data as sets

        # batch_size 1: the module's own check wants one training batch; this command does not train
        module = getattr(sets, VISION_SETS[data])(
            root=root, image_size=image_size, channels=channels, batch_size=1, num_workers=0, download=False
        )
        # these commands have no download option: the advice names the one that downloads
        module.download_advice = (
            f"Download it once with `lightning-gans fit` (--data.download true and --data.root {root})"
        )
        module.root_option = "--root"
        module.setup("fit")
        loader = torch.utils.data.DataLoader(module.train_set, batch_size=512, shuffle=False)
        images, labels = zip(*loader, strict=True)
        return torch.cat(images), torch.cat(labels)
    raise ConfigError(f"--data must be {', '.join(BUILT_IN_SETS)}, a folder or a table; got {data!r}.")


def has_latent_vectors(model) -> bool:
    """Whether ``latent_vectors`` works for ``model``: it has an encoder, or it is an InfoGAN (Q's codes)."""
    return isinstance(model, Encodes) or callable(getattr(model, "estimate_codes", None))


def latent_vectors(model, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """``(N, *data_shape)`` -> ``(N, F)`` latent vectors on the CPU: ``model.encode`` (BiGAN, IZIfEncoder:
    ``F = latent_dim``; ClusterGAN: ``latent_dim + K``, its z_n then the cluster probabilities) or InfoGAN's
    ``estimate_codes`` (``F = code_dim``)."""
    if isinstance(model, Encodes):
        encode = model.encode
    elif callable(getattr(model, "estimate_codes", None)):
        encode = model.estimate_codes
    else:
        raise ConfigError(f"this {type(model).__name__} has no encoder: {IZIF_HINT}.")
    parts = [encode(chunk).cpu() for chunk in x.split(batch_size)]
    return torch.cat(parts) if parts else torch.zeros(0, 0)
