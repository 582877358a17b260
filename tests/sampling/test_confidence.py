"""The classifier-confidence filter: per-class thresholds from real training images, then keep or drop."""

import pytest
import torch

from lightning_gans.sampling import class_thresholds, confidence_filter, confidence_mask


def test_thresholds_are_a_quantile_of_each_class_own_probability():
    # class 0: true-class probabilities 0.9, 0.7, 0.5; class 1: 0.6, 0.8; class 2 has no training image
    probabilities = torch.tensor(
        [[0.9, 0.1, 0.0], [0.7, 0.3, 0.0], [0.5, 0.5, 0.0], [0.4, 0.6, 0.0], [0.2, 0.8, 0.0]]
    )
    labels = torch.tensor([0, 0, 0, 1, 1])
    assert torch.allclose(class_thresholds(probabilities, labels, 0.0), torch.tensor([0.5, 0.6, 0.0]))
    assert torch.allclose(class_thresholds(probabilities, labels, 0.5), torch.tensor([0.7, 0.7, 0.0]))
    assert torch.allclose(class_thresholds(probabilities, labels, 1.0), torch.tensor([0.9, 0.8, 0.0]))
    with pytest.raises(ValueError, match="quantile"):
        class_thresholds(probabilities, labels, 1.5)


def test_filter_keeps_samples_sure_enough_of_their_asked_for_class():
    samples = torch.arange(5.0).view(5, 1, 1, 1)  # (M, C, H, W): sample i holds the value i
    asked = torch.tensor([0, 0, 1, 1, 2])
    probabilities = torch.tensor(
        [
            [0.80, 0.20, 0.00],  # asked 0, p = 0.80 >= 0.6: kept
            [0.30, 0.70, 0.00],  # asked 0, p = 0.30 < 0.6 (the classifier reads a 1): dropped
            [0.10, 0.90, 0.00],  # asked 1, p = 0.90 >= 0.9: kept (equality keeps)
            [0.15, 0.85, 0.00],  # asked 1, p = 0.85 < 0.9: dropped
            [0.50, 0.50, 0.00],  # asked 2, threshold 0: kept
        ]
    )
    thresholds = torch.tensor([0.6, 0.9, 0.0])
    assert confidence_mask(probabilities, asked, thresholds).tolist() == [True, False, True, False, True]
    kept, labels = confidence_filter(samples, asked, probabilities, thresholds)
    assert kept.flatten().tolist() == [0.0, 2.0, 4.0] and labels.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match=r"\(M, K\)"):
        confidence_mask(probabilities[:3], asked, thresholds)
