"""The anomaly-detection protocols: one digit normal and nine digits normal (on the digits and MNIST-5k), and
labelled tables (wine, the digits as rows, a user's CSV) through ArrayDataModule. Each: split sizes, no test
sample in training, labels (1 = anomaly), the held-out normal part."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lightning_gans import DigitsDataModule, MNIST5kDataModule
from lightning_gans.data.one_class import protocol_normal_classes
from lightning_gans.data.tables import (
    digits_table,
    read_labelled_table,
    split_table,
    table_data_module,
    wine_table,
)


def rows(x: torch.Tensor) -> set[bytes]:
    return {r.numpy().tobytes() for r in x.flatten(1).float()}


def test_protocol_normal_classes():
    assert protocol_normal_classes("one-class", 3, range(10)) == [3]
    assert protocol_normal_classes("many-normal", 3, range(10)) == [0, 1, 2, 4, 5, 6, 7, 8, 9]
    with pytest.raises(ValueError, match="protocol"):
        protocol_normal_classes("two-class", 3, range(10))
    with pytest.raises(ValueError, match="not one of"):
        protocol_normal_classes("one-class", 12, range(10))


def check_image_protocol(split, normal, n_normal_train, n_test, n_anomalies):
    assert len(split["train"]) + len(split["val"]) == n_normal_train
    assert len(split["val"]) == round(0.1 * n_normal_train)  # the held-out normal part
    assert set(split["train_labels"].tolist()) == set(normal) == set(split["val_labels"].tolist())
    assert not rows(split["val"]) & rows(split["train"])
    assert not rows(split["test"]) & (rows(split["train"]) | rows(split["val"]))  # no test image trained on
    assert len(split["test"]) == n_test and int(split["test_is_anomaly"].sum()) == n_anomalies
    expected = (~torch.isin(split["test_labels"], torch.tensor(normal))).long()
    assert torch.equal(split["test_is_anomaly"], expected)


def test_digits_many_normal():
    normal = protocol_normal_classes("many-normal", 3, range(10))
    data = DigitsDataModule(image_size=8, normal_classes=normal)
    data.setup()
    n_train_3 = int((data.load_split()["train_labels"] == 3).sum())
    check_image_protocol(data.split, normal, 1437 - n_train_3, 360, 37)  # 37 threes in the test split


@pytest.mark.parametrize(
    "protocol,n_normal_train,n_anomalies", [("one-class", 400, 900), ("many-normal", 3600, 100)]
)
def test_mnist5k_protocols(protocol, n_normal_train, n_anomalies):
    normal = protocol_normal_classes(protocol, 7, range(10))
    data = MNIST5kDataModule(image_size=16, normal_classes=normal)
    data.setup()
    check_image_protocol(data.split, normal, n_normal_train, 1000, n_anomalies)


def check_table_protocol(data, train_table, test_table, normal):
    data.setup()
    split = data.split
    n_normal = int(np.isin(train_table[:, -1], normal).sum())
    assert len(split["train"]) + len(split["val"]) == n_normal
    assert len(split["val"]) == max(1, round(0.1 * n_normal))
    assert set(split["train_labels"].tolist()) <= set(normal) and set(split["val_labels"].tolist()) <= set(
        normal
    )
    assert len(split["test"]) == len(test_table)
    assert split["test_is_anomaly"].tolist() == (~np.isin(test_table[:, -1], normal)).astype(int).tolist()
    # standardised with the training rows' statistics: undo it to compare the raw rows
    raw = {k: split[k] * data.std + data.mean for k in ("train", "val", "test")}
    assert torch.allclose(raw["test"], torch.from_numpy(test_table[:, :-1]).float(), atol=1e-4)
    assert not rows(raw["test"].round(decimals=3)) & rows(raw["train"].round(decimals=3))
    assert torch.allclose(split["train"].mean(0), torch.zeros(split["train"].shape[1]), atol=1e-4)


def test_wine_one_cultivar_normal():
    x, y = wine_table()
    train, test = split_table(x, y)
    assert train.shape == (142, 14) and test.shape == (36, 14)
    assert np.bincount(test[:, -1].astype(int)).tolist() == [12, 14, 10]  # stratified
    data = table_data_module(train, test, protocol_normal_classes("one-class", 1, [0, 1, 2]))
    check_table_protocol(data, train, test, [1])
    assert data.batch_size == len(data.split["train"]) < 64  # 51 cultivar-1 rows less 5 held out


def test_digits_table_many_normal_is_the_image_split():
    x, y = digits_table()
    train, test = split_table(x, y)
    normal = protocol_normal_classes("many-normal", 0, range(10))
    check_table_protocol(table_data_module(train, test, normal), train, test, normal)
    images = DigitsDataModule(image_size=8).load_split()  # the same fixed split, as 8x8 images in [-1, 1]
    assert np.allclose((images["test"].flatten(1).numpy() + 1) / 2 * 16, test[:, :-1], atol=1e-4)
    assert np.array_equal(images["test_labels"].numpy(), test[:, -1])


def test_a_users_csv_with_a_named_label_column(tmp_path):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(60, 3))
    labels = np.repeat([5, 9], 30)
    path = tmp_path / "rows.csv"
    lines = ["a,kind,b,c"] + [f"{f[0]},{k},{f[1]},{f[2]}" for f, k in zip(features, labels, strict=True)]
    path.write_text("\n".join(lines))
    x, y = read_labelled_table(path, "kind")
    assert x.shape == (60, 3) and np.allclose(x, features) and y.tolist() == labels.tolist()
    train, test = split_table(x, y)
    assert train.shape == (48, 4) and test.shape == (12, 4)
    check_table_protocol(table_data_module(train, test, [9]), train, test, [9])
