"""The memorisation ratio: copies of the training data score well below 1, new real data about 1."""

from __future__ import annotations

import pytest
import torch

from lightning_gans.metrics.evaluator import DataSpec, Evaluator
from lightning_gans.metrics.memorization import memorization_ratio, nearest_distances


def gaussian_splits(seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    draw = lambda n: torch.randn(n, 8, generator=generator)
    return draw(1000), draw(300), draw(500), generator  # train, held-out, fresh


def test_nearest_distances():
    reference = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    queries = torch.tensor([[1.0, 0.0], [10.0, 2.0], [4.0, 3.0]])
    assert nearest_distances(queries, reference, batch_size=2).tolist() == pytest.approx([1.0, 2.0, 5.0])


def test_fresh_draws_score_about_one_and_copies_well_below():
    train, heldout, fresh, generator = gaussian_splits()
    assert memorization_ratio(fresh, train, heldout) == pytest.approx(1.0, abs=0.1)
    copies = train[:500] + 0.01 * torch.randn(
        500, 8, generator=generator
    )  # training points, slightly jittered
    assert memorization_ratio(copies, train, heldout) < 0.1
    far = fresh * 3  # spread out: farther from the training set than real data are
    assert memorization_ratio(far, train, heldout) > 1.5


@pytest.fixture(scope="module")
def digits_evaluator():
    return Evaluator(DataSpec("digits", "digits", 16), metrics=["fid", "memorization"])


def test_digits_copies_of_the_training_split_score_zero(digits_evaluator):
    from lightning_gans.data.digits import load_digits_split

    train = load_digits_split(16)["train"]
    result = digits_evaluator.image_metrics_of(train[:500])
    assert result["memorization"] == pytest.approx(0.0, abs=1e-6)  # every sample is a training image
    noisy = train[:500] + 0.05 * torch.randn(train[:500].shape, generator=torch.Generator().manual_seed(0))
    assert digits_evaluator.image_metrics_of(noisy.clamp(-1, 1))["memorization"] < 0.5


def test_digits_test_split_scores_one_in_the_real_baseline(digits_evaluator):
    baseline = digits_evaluator.real_baseline()  # the test split, never trained on
    assert baseline["memorization"] == pytest.approx(1.0)
    assert (
        "memorization: nearest train image vs the test split's"
        in digits_evaluator.protocol()["real reference"]
    )


def test_memorization_needs_a_held_out_split():
    from lightning_gans.errors import ConfigError

    with pytest.raises(ConfigError, match="held-out split"):
        Evaluator(DataSpec("images", "MyImages", 32), metrics=["memorization"], feature_network="digits")
