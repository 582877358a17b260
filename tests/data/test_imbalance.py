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
