"""Class metrics: conditional accuracy through a model's sample(), class proportions and their gap."""

import pytest
import torch
from torch import nn

from lightning_gans import GAN
from lightning_gans.data.digits import load_digits_split
from lightning_gans.metrics import (
    class_proportions,
    conditional_accuracy,
    load_digits_classifier,
    per_class_fid,
    predict_classes,
    proportion_gap,
)


class RealDigitsGenerator(nn.Module):
    """``(z, labels)`` -> a real test-split digit of each requested class (picked by the noise's sign pattern):
    a generator whose class agreement is known, to check the metric's wiring against the classifier itself."""

    latent_dim = 4

    def __init__(self, swap: bool = False) -> None:
        super().__init__()
        split = load_digits_split(32)
        self.register_buffer("images", split["test"])
        self.register_buffer("labels", split["test_labels"])
        self.swap = swap
        self.data_shape = (1, 32, 32)

    def forward(self, z, labels):
        labels = (labels + 1) % 10 if self.swap else labels
        pick = (z > 0).long() @ torch.tensor([1, 2, 4, 8])  # 0..15, one of the class's first 16 images
        index = torch.stack(
            [(self.labels == y).nonzero()[p % 16, 0] for y, p in zip(labels, pick, strict=True)]
        )
        return self.images[index]


def model(swap=False):
    return GAN(RealDigitsGenerator(swap), nn.Linear(1, 1), num_classes=10)


def test_conditional_accuracy_of_real_digits_is_the_classifiers_accuracy():
    classifier = load_digits_classifier()
    split = load_digits_split(32)
    first16 = torch.cat([(split["test_labels"] == c).nonzero()[:16, 0] for c in range(10)])
    expected = (predict_classes(classifier, split["test"][first16]) == split["test_labels"][first16]).float()
    result = conditional_accuracy(model(), classifier, per_class=64)
    assert result["accuracy"] > 0.9 and result["accuracy"] == pytest.approx(expected.mean().item(), abs=0.05)
    assert len(result["per_class"]) == 10 and result["worst"] == min(result["per_class"])
    # a generator that answers with the next class is almost never right
    assert conditional_accuracy(model(swap=True), classifier, per_class=16)["accuracy"] < 0.1


def test_conditional_accuracy_refuses_an_unconditional_model():
    with pytest.raises(ValueError, match="conditional model"):
        conditional_accuracy(GAN(nn.Linear(2, 2), nn.Linear(2, 1), latent_dim=2), load_digits_classifier())


def test_class_proportions_and_gap_by_hand():
    p = class_proportions(torch.tensor([0, 0, 1, 3]), 4)
    assert p.tolist() == [0.5, 0.25, 0.0, 0.25]
    assert proportion_gap(p, torch.tensor([0.25, 0.25, 0.25, 0.25])) == pytest.approx(0.25)
    assert proportion_gap(p, p) == 0.0


def test_per_class_fid_is_low_for_the_right_class_and_high_for_the_wrong_one():
    split = load_digits_split(32)
    right = per_class_fid(model(), split["train"], split["train_labels"], per_class=64)
    wrong = per_class_fid(model(swap=True), split["train"], split["train_labels"], per_class=64)
    assert len(right) == 10
    assert all(r < w for r, w in zip(right, wrong, strict=True)), (right, wrong)
