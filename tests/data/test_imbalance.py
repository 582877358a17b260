"""The imbalance protocols of the digits: documented counts, balanced test split, deterministic choice."""

import pytest
import torch

from lightning_gans import DigitsDataModule
from lightning_gans.data.digits import load_digits_split
from lightning_gans.data.imbalance import imbalanced_indices, kept_per_class


def test_step_keeps_one_in_ten_of_the_odd_classes():
    balanced = torch.bincount(load_digits_split(8)["train_labels"], minlength=10)
    dm = DigitsDataModule(image_size=8, imbalance="step")
    counts = dm.class_counts()
    for c in range(10):
        expected = max(1, round(balanced[c].item() / 10)) if c % 2 else balanced[c].item()
        assert counts[c] == expected, c
    assert (counts[1::2] <= 15).all() and (counts[0::2] >= 139).all()


def test_longtail_goes_from_90_down_to_9():
    dm = DigitsDataModule(image_size=8, imbalance="longtail")
    assert dm.class_counts().tolist() == [90, 70, 54, 42, 32, 25, 19, 15, 12, 9]
    assert kept_per_class([5] * 10, "longtail")[0] == 5  # never more than a class has


@pytest.mark.parametrize("imbalance", ["step", "longtail"])
def test_test_split_stays_balanced_and_the_choice_is_fixed(imbalance):
    a, b = (
        DigitsDataModule(image_size=8, imbalance=imbalance),
        DigitsDataModule(image_size=8, imbalance=imbalance),
    )
    a.setup(), b.setup()
    balanced = load_digits_split(8)
    assert torch.equal(a.split["train"], b.split["train"])
    assert torch.equal(a.split["test_labels"], balanced["test_labels"])
    # the kept and the removed images together are the balanced training split
    assert len(a.split["train"]) + len(a.split["removed"]) == len(balanced["train"])
    assert torch.equal(
        torch.bincount(torch.cat([a.split["train_labels"], a.split["removed_labels"]]), minlength=10),
        torch.bincount(balanced["train_labels"], minlength=10),
    )


def test_unknown_protocol_is_refused():
    with pytest.raises(ValueError, match="'step', 'longtail' or null"):
        DigitsDataModule(imbalance="pareto")
    with pytest.raises(ValueError, match="'step', 'longtail'"):
        imbalanced_indices(torch.zeros(3, dtype=torch.long), "pareto", 1)


@pytest.mark.parametrize(
    ("name", "train", "test", "per_class_test"),
    [("digits", 1437, 360, None), ("mnist5k", 4000, 1000, 100)],
)
def test_step_split_of_the_imbalance_benchmark(name, train, test, per_class_test):
    """The benchmark's data at its size (16x16): split sizes, labels, and no test image among the training ones."""
    from lightning_gans import MNIST5kDataModule

    module = {"digits": DigitsDataModule, "mnist5k": MNIST5kDataModule}[name]
    dm = module(image_size=16, imbalance="step")
    dm.setup()
    split = dm.split
    assert split["train"].shape[1:] == (1, 16, 16)
    assert len(split["train"]) + len(split["removed"]) == train and len(split["test"]) == test
    counts = torch.bincount(split["train_labels"], minlength=10)
    full = torch.bincount(torch.cat([split["train_labels"], split["removed_labels"]]), minlength=10)
    assert counts.tolist() == [
        n if c % 2 == 0 else max(1, round(n / 10)) for c, n in enumerate(full.tolist())
    ]
    if per_class_test is not None:
        assert torch.bincount(split["test_labels"], minlength=10).tolist() == [per_class_test] * 10
    assert set(split["test_labels"].tolist()) == set(range(10))
    # no test image is a training image (kept or removed): compare the exact pixels
    seen = {row.numpy().tobytes() for row in torch.cat([split["train"], split["removed"]]).flatten(1)}
    assert not any(row.numpy().tobytes() in seen for row in split["test"].flatten(1))
