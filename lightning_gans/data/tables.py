"""Labelled tables for anomaly detection: scikit-learn's wine and digits as rows, or any labelled file, split once.

A labelled table is ``(x, y)``: ``(N, D)`` float64 features and ``(N,)`` int64 classes. ``split_table`` gives the
fixed stratified 80/20 split of the image sets (``labelled.stratified_split``, same seed), each part an
``(n, D + 1)`` array whose **last column is the class**, the layout ``ArrayDataModule`` reads with
``label_column=-1``. ``table_data_module`` then applies the one-class protocol of ``ArrayDataModule``: train on
the training part's normal rows less ``val_fraction`` held out, test on the whole test part, so no test row is
ever trained on (``ArrayDataModule`` alone would test on its training file).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits, load_wine

from lightning_gans.data import one_class
from lightning_gans.data.array import ArrayDataModule, column_index, read_array, split_features
from lightning_gans.data.labelled import stratified_split
from lightning_gans.errors import ConfigError

LabelledTable = tuple[np.ndarray, np.ndarray]


def wine_table() -> LabelledTable:
    """scikit-learn's wine: ``(178, 13)`` chemical measurements and ``(178,)`` cultivars 0-2 (59/71/48 rows)."""
    wine = load_wine()
    return wine.data.astype(np.float64), wine.target.astype(np.int64)


def digits_table() -> LabelledTable:
    """scikit-learn's digits as rows: ``(1797, 64)`` pixel values 0-16 (8x8, row by row) and ``(1797,)``
    digits. Split by ``split_table`` its test rows are the test images of ``DigitsDataModule``."""
    digits = load_digits()
    return digits.data.astype(np.float64), digits.target.astype(np.int64)


def read_labelled_table(path: str | Path, label_column: int | str) -> LabelledTable:
    """A ``.csv``/``.npy``/``.pt`` file's feature columns ``(N, D)`` and its (numeric) label column ``(N,)``,
    given by header name or index."""
    values, names = read_array(path)
    index = column_index(
        label_column, names, values.shape[1], how_to_drop="give a --label-column", source=str(path)
    )
    x, y = split_features(values.double(), index)
    return x.numpy(), y.numpy()


def split_table(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The fixed stratified 80/20 split of a labelled table: ``(train, test)``, ``(n, D + 1)`` float64 arrays,
    the class in the last column. Every class needs at least 2 rows (one on each side)."""
    counts = np.bincount(y - y.min()) if len(y) else np.array([])
    if len(y) == 0 or counts[counts > 0].min() < 2:
        raise ConfigError("every class of the table needs at least 2 rows to split it into train and test.")
    split = stratified_split(torch.from_numpy(np.asarray(x, np.float64)), torch.from_numpy(np.asarray(y)))

    def joined(part: str) -> np.ndarray:
        return np.concatenate([split[part].numpy(), split[f"{part}_labels"].numpy()[:, None]], axis=1)

    return joined("train"), joined("test")


def table_data_module(
    train: np.ndarray,
    test: np.ndarray,
    normal_classes: Sequence[int],
    val_fraction: float = 0.1,
    batch_size: int = 64,
    seed: int = 0,
) -> ArrayDataModule:
    """An ``ArrayDataModule`` on a split labelled table (``split_table``) under the one-class protocol.

    ``batch_size`` is lowered to the number of normal training rows when there are fewer (wine: about 43 per
    cultivar). After ``setup()``, ``split`` holds ``train``/``val`` (normal rows, standardised with the training
    rows' statistics), ``test`` (every test row) and ``test_is_anomaly`` (1 = not a normal class).
    """
    labels = torch.from_numpy(train[:, -1]).round().long()
    train_idx, _ = one_class.normal_split(labels, normal_classes, val_fraction)
    if len(train_idx) == 0:
        raise ConfigError(f"no training rows of the normal classes {list(normal_classes)} in the table.")
    return ArrayDataModule(
        data=train,
        label_column=-1,
        normal_classes=list(normal_classes),
        test_data=test,
        val_fraction=val_fraction,
        batch_size=min(batch_size, len(train_idx)),
        seed=seed,
    )
