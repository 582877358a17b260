"""Vectors (tabular data) as a LightningDataModule: GANs, encoders and anomaly scores beyond images.

Reads ``.npy``, ``.csv`` (a header row is recognised and optional), ``.pt`` (a tensor, read with
``weights_only=True``) or an in-memory array. Features are standardised with the training rows' mean and
standard deviation; the data module's ``state_dict`` holds them, so Lightning saves them in every checkpoint and
``lightning-gans score`` standardises new rows the same way (``standardize_with``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import torch
from lightning.pytorch import LightningDataModule
from torch.utils.data import DataLoader, TensorDataset
from typing_extensions import override

from lightning_gans.data import one_class
from lightning_gans.data.tensor_loader import TensorBatchLoader
from lightning_gans.errors import BadArrayError, ConfigError, DataNotFoundError


def read_csv(path: Path) -> tuple[np.ndarray, list[str] | None]:
    """``(rows, columns)`` float64 array and the header's column names (None without a header)."""
    with open(path, newline="") as f:
        rows = [row for row in csv.reader(f) if row]
    if not rows:
        raise BadArrayError(f"{path} is empty: expected rows of comma-separated numbers.")
    header = None
    try:
        [float(v) for v in rows[0]]
    except ValueError:
        header, rows = [name.strip() for name in rows[0]], rows[1:]
    width = len(header) if header else len(rows[0])
    values = np.empty((len(rows), width))
    for i, row in enumerate(rows):
        line = i + 1 + (header is not None)
        if len(row) != width:
            raise BadArrayError(f"{path}, line {line}: {len(row)} values where the first row has {width}.")
        try:
            values[i] = [float(v) for v in row]
        except ValueError as err:
            raise BadArrayError(f"{path}, line {line}: not a number ({err}).") from err
    return values, header


def read_array(data: str | Path | np.ndarray | torch.Tensor) -> tuple[torch.Tensor, list[str] | None]:
    """``(N, D)`` float32 tensor and column names (CSV headers only) from a file or an array."""
    if isinstance(data, np.ndarray | torch.Tensor):
        values, names = torch.as_tensor(np.asarray(data) if isinstance(data, np.ndarray) else data), None
    else:
        path = Path(data)
        if not path.is_file():
            raise DataNotFoundError(
                f"No data file at {path}. Give a .npy, .csv or .pt file of shape (rows, features)."
            )
        suffix = path.suffix.lower()
        try:
            if suffix == ".csv":
                array, names = read_csv(path)
                values = torch.from_numpy(array)
            elif suffix == ".npy":
                values, names = torch.from_numpy(np.load(path, allow_pickle=False)), None
            elif suffix == ".pt":
                values, names = torch.load(path, weights_only=True), None
            else:
                raise BadArrayError(f"{path}: unknown file type {suffix!r}; use .npy, .csv or .pt.")
        except BadArrayError:
            raise
        except Exception as err:  # numpy/torch raise many types for damaged files
            raise BadArrayError(f"Cannot read {path}: {type(err).__name__}: {err}") from err
        if not isinstance(values, torch.Tensor):
            raise BadArrayError(
                f"{path} holds a {type(values).__name__}, not a tensor of shape (rows, features)."
            )
    if values.dim() != 2 or not values.is_floating_point() and values.dtype not in (torch.int32, torch.int64):
        raise BadArrayError(
            f"{data if not isinstance(data, np.ndarray | torch.Tensor) else 'the array'} has shape "
            f"{tuple(values.shape)} and dtype {values.dtype}: expected a 2-D table of numbers (rows, features)."
        )
    if not torch.isfinite(values.float()).all():
        raise BadArrayError(
            f"{data if isinstance(data, str | Path) else 'the array'} contains NaN or Inf values."
        )
    return values.float(), names


DROP_LABEL_COLUMN = "set --data.label_column null (or remove label_column from the config's data section)"
"""How a training run drops a label column it does not have (``column_index``'s ``how_to_drop``)."""


def column_index(
    label_column: int | str | None,
    names: list[str] | None,
    width: int,
    how_to_drop: str = DROP_LABEL_COLUMN,
    source: str = "the table",
) -> int | None:
    """The index of the label column given by position or by CSV header name.

    A label column is opt-in: a table without one has only features. A name or index that is not a column is a
    ``ConfigError`` that names the columns and ``how_to_drop`` the setting.
    """
    if label_column is None:
        return None
    if isinstance(label_column, str):
        if names is None:
            raise ConfigError(
                f"label_column {label_column!r}: {source} has no header row, so columns have no names. Give the "
                f"label column's index (e.g. -1 for the last), or, for a table without labels, {how_to_drop}."
            )
        if label_column not in names:
            raise ConfigError(
                f"label_column {label_column!r} is not a column of {source} (columns: {', '.join(names)}). Name "
                f"one of them, or, for a table without labels, {how_to_drop}."
            )
        return names.index(label_column)
    if not -width <= label_column < width:
        raise ConfigError(
            f"label_column {label_column} is out of range for the {width} columns of {source}. Give an index "
            f"from {-width} to {width - 1}, or, for a table without labels, {how_to_drop}."
        )
    return label_column % width


def split_features(values: torch.Tensor, label_index: int | None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``(N, D)`` table -> ``(N, D - 1)`` features and ``(N,)`` long labels (or the table and None)."""
    if label_index is None:
        return values, None
    keep = [i for i in range(values.shape[1]) if i != label_index]
    return values[:, keep], values[:, label_index].round().long()


def standardize_with(x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """``(N, D)`` -> ``(x - mean) / std`` with the training statistics."""
    return (x - mean.to(x)) / std.to(x)


class ArrayDataModule(LightningDataModule):
    """Rows of a table as ``(batch_size, D)`` standardised vectors (``(x, labels)`` with a label column).

    Args:
        data: a ``.npy``/``.csv``/``.pt`` file, or in Python an ``(N, D)`` numpy array or tensor (annotated
            ``str`` only: with a union, jsonargparse would read a CSV path given on the command line as YAML).
        label_column: index or CSV column name of a label column (not a feature), or None.
        normal_classes: one-class protocol on the label column: train on the rows with these labels (less
            ``val_fraction`` held out), test on every row with ``is_anomaly`` labels. None = every row is
            normal training data, ``val_fraction`` of them held out.
        test_data: rows to test on (with the label column) under ``normal_classes``; None = ``data`` itself.
        val_fraction: share of the normal rows held out for validation (threshold, selection).
        batch_size: rows per batch.
        standardize: subtract the training mean and divide by the training standard deviation.
        seed: shuffle seed.
    """

    num_classes = None
    """The labels (if any) mark normal/anomalous rows, not classes for a conditional GAN."""

    def __init__(
        self,
        data: str,
        label_column: int | str | None = None,
        normal_classes: list[int] | None = None,
        test_data: str | None = None,
        val_fraction: float = 0.1,
        batch_size: int = 64,
        standardize: bool = True,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if normal_classes is not None and label_column is None:
            raise ConfigError(
                "normal_classes needs label_column: which column holds the classes. Set data label_column "
                "(a CSV header name or an index, e.g. -1), or remove normal_classes."
            )
        self.data = data
        self.label_column = label_column
        self.normal_classes = None if normal_classes is None else sorted(int(c) for c in normal_classes)
        self.test_data = test_data
        self.val_fraction = val_fraction
        self.batch_size = batch_size
        self.standardize = standardize
        self.seed = seed
        self.split: dict[str, torch.Tensor] | None = None
        self.mean: torch.Tensor | None = None
        self.std: torch.Tensor | None = None
        self.columns: list[str] | None = None
        """The feature columns' CSV header names (None without a header)."""

    def _read(self, data, keep_columns: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        values, names = read_array(data)
        source = "the array" if isinstance(data, np.ndarray | torch.Tensor) else str(data)
        index = column_index(self.label_column, names, values.shape[1], source=source)
        if keep_columns and names is not None:  # the feature columns' names, for `lightning-gans sample`
            self.columns = [name for i, name in enumerate(names) if i != index]
        return split_features(values, index)

    @override
    def setup(self, stage: str | None = None) -> None:
        if stage == "test" and self.normal_classes is None:
            raise ConfigError(
                "testing needs to know which rows are anomalies, but the data has no normal_classes: set "
                "--data.label_column (the column of classes) and --data.normal_classes (e.g. [0]) to test on "
                "labelled rows (and --data.test_data for a separate test file)."
            )
        if self.split is not None:
            return
        x, labels = self._read(self.data, keep_columns=True)
        if self.normal_classes is None:
            labels_or_zero = torch.zeros(len(x), dtype=torch.long) if labels is None else labels
            normal = [0] if labels is None else sorted(set(labels.tolist()))
        else:
            labels_or_zero, normal = labels, self.normal_classes
        train_idx, val_idx = one_class.normal_split(labels_or_zero, normal, self.val_fraction)
        train = x[train_idx]
        if len(train) < self.batch_size:
            raise ConfigError(
                f"{self.data if isinstance(self.data, str) else 'the array'} has {len(train)} training rows (after "
                f"holding out val_fraction {self.val_fraction}), fewer than one batch (batch_size "
                f"{self.batch_size}): nothing would be trained on. Set --data.batch_size {max(1, len(train))} or "
                "lower, or add rows."
            )
        if self.mean is None:
            self.mean = train.mean(0) if self.standardize else torch.zeros(x.shape[1])
            std = train.std(0) if self.standardize and len(train) > 1 else torch.ones(x.shape[1])
            self.std = torch.where(std > 0, std, torch.ones_like(std))  # constant columns stay as they are
        self.split = {
            "train": standardize_with(train, self.mean, self.std),
            "train_labels": labels_or_zero[train_idx],
            "val": standardize_with(x[val_idx], self.mean, self.std),
            "val_labels": labels_or_zero[val_idx],
        }
        if self.normal_classes is not None:
            test_x, test_labels = (x, labels) if self.test_data is None else self._read(self.test_data)
            self.split["test"] = standardize_with(test_x, self.mean, self.std)
            self.split["test_is_anomaly"] = one_class.is_anomaly(test_labels, self.normal_classes)

    @property
    def data_shape(self) -> tuple[int]:
        self.setup()
        return (self.split["train"].shape[1],)

    @override
    def state_dict(self) -> dict[str, torch.Tensor | list[str]]:
        """The standardisation statistics, saved in every checkpoint (``lightning-gans score`` reads them), and
        the feature columns' names when the table has a header (``lightning-gans sample`` writes them)."""
        self.setup()
        state = {"mean": self.mean, "std": self.std}
        if self.columns is not None:
            state["columns"] = list(self.columns)
        return state

    @override
    def load_state_dict(self, state: dict[str, torch.Tensor | list[str]]) -> None:
        self.mean, self.std = state["mean"], state["std"]
        self.columns = state.get("columns", self.columns)

    @override
    def train_dataloader(self) -> TensorBatchLoader:
        self.setup()
        split = self.split
        return TensorBatchLoader.for_trainer(
            split["train"], split["train_labels"], self.batch_size, self.seed, self.trainer
        )

    @override
    def val_dataloader(self) -> DataLoader | list:
        """Held-out normal rows ``(x, labels)``."""
        self.setup()
        if len(self.split["val"]) == 0:
            return []
        return DataLoader(
            TensorDataset(self.split["val"], self.split["val_labels"]), batch_size=self.batch_size
        )

    @override
    def test_dataloader(self) -> DataLoader | list:
        """``(x, is_anomaly)`` for every test row under ``normal_classes``; nothing otherwise."""
        self.setup()
        if "test" not in self.split:
            return []
        return DataLoader(TensorDataset(self.split["test"], self.split["test_is_anomaly"]), batch_size=256)
