"""The data side of ``benchmarks/anomaly.py``: which sets, which protocol, and one ``Case`` per class in turn.

A ``Case`` is one (normal classes, seed) setting: a set-up data module the GANs train on (its ``split`` has
``train``/``val`` normal samples and the whole ``test`` split with ``test_is_anomaly``) and the same samples
flattened, ``(N, D)`` float64, for the classical detectors, so every method sees the same numbers.

- ``digits`` / ``mnist5k``: ``DigitsDataModule`` (16x16) / ``MNIST5kDataModule`` (32x32, the DCGAN nets' power of
  two) images in [-1, 1];
- ``wine`` / ``digits-table`` / a file: labelled tables split once (``lightning_gans.data.tables``), features
  standardised with the normal training rows' statistics by ``ArrayDataModule``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from lightning.pytorch import LightningDataModule

from lightning_gans import DigitsDataModule, MNIST5kDataModule
from lightning_gans.data.one_class import protocol_normal_classes
from lightning_gans.data.tables import (
    digits_table,
    read_labelled_table,
    split_table,
    table_data_module,
    wine_table,
)

IMAGE_SETS = {"digits": (DigitsDataModule, 16), "mnist5k": (MNIST5kDataModule, 32)}
TABLES = {"wine": wine_table, "digits-table": digits_table}
DATA_CHOICES = (*IMAGE_SETS, *TABLES)


@dataclass
class Case:
    """One setting of the benchmark: ``key`` names it in the results (the protocol's class ``c``)."""

    key: str
    normal_classes: list[int]
    data: LightningDataModule
    is_table: bool
    flat: dict[str, np.ndarray] = field(init=False)
    """``train``/``val``/``test``: ``(N, D)`` float64, the data module's split flattened."""

    def __post_init__(self) -> None:
        self.data.setup()
        self.flat = {k: self.split[k].flatten(1).numpy().astype(np.float64) for k in ("train", "val", "test")}

    @property
    def split(self) -> dict[str, torch.Tensor]:
        return self.data.split

    @property
    def data_shape(self) -> tuple[int, ...]:
        return tuple(self.split["train"].shape[1:])


class Source:
    """A data set under one protocol: ``classes`` and ``case(key_class | normal, seed)``.

    Args:
        data: a name in ``DATA_CHOICES`` or a table file (``.csv``/``.npy``/``.pt``).
        protocol: ``"one-class"`` (class c normal) or ``"many-normal"`` (every class but c normal).
        label_column: the label column of a table file (header name or index).
        image_size: replaces the image sets' default size.
    """

    def __init__(
        self, data: str, protocol: str, label_column: str | int | None = None, image_size: int | None = None
    ) -> None:
        self.data, self.protocol = data, protocol
        self.tables: tuple[np.ndarray, np.ndarray] | None = None
        if data in IMAGE_SETS:
            self.module_class, default_size = IMAGE_SETS[data]
            self.image_size = image_size or default_size
            self.classes = list(range(self.module_class.num_classes))
            return
        if data in TABLES:
            x, y = TABLES[data]()
        else:
            if label_column is None:
                raise SystemExit(
                    f"--label-column is needed for the table {data}: which column holds the classes."
                )
            x, y = read_labelled_table(Path(data), label_column)
        self.tables = split_table(x, y)
        self.classes = sorted({int(c) for c in y})

    @property
    def is_table(self) -> bool:
        return self.tables is not None

    def normal_classes(self, cls: int) -> list[int]:
        return protocol_normal_classes(self.protocol, cls, self.classes)

    def case(self, key: str, normal_classes: list[int], seed: int) -> Case:
        if self.tables is not None:
            train, test = self.tables
            return Case(key, normal_classes, table_data_module(train, test, normal_classes, seed=seed), True)
        module = self.module_class(
            image_size=self.image_size, batch_size=64, seed=seed, normal_classes=normal_classes
        )
        return Case(key, normal_classes, module, False)
