"""The score combination: standardised on held-out normal data, weighted from it alone."""

from __future__ import annotations

import numpy as np
import pytest

from lightning_gans.score_combination import combination_weights, combine, standardiser


@pytest.fixture
def scores():
    rng = np.random.default_rng(0)
    val = {"a": rng.normal(5, 2, 40), "b": rng.standard_t(2, 40) * 100, "c": rng.exponential(1, 40)}
    test = {name: rng.normal(0, 1, 300) * v.std() + np.median(v) for name, v in val.items()}
    return val, test


@pytest.mark.parametrize("rule", ["equal", "inverse_spread"])
def test_weights_depend_only_on_the_held_out_normal_scores(scores, rule):
    val, test = scores
    weights = combination_weights(val, rule)
    assert sum(weights.values()) == pytest.approx(1.0) and all(w > 0 for w in weights.values())

    def by_hand(x):  # the map fitted on val alone, applied to any scores
        return sum(weights[n] * (x[n] - standardiser(val[n])[0]) / standardiser(val[n])[1] for n in x)

    combined = combine(test, val, rule)
    assert np.allclose(combined, by_hand(test))
    rng = np.random.default_rng(1)
    # other test data (fewer rows, rescaled, an extreme anomaly): still the same map, sample by sample
    other = {name: np.append(rng.permutation(s)[:99] * 7 + 3, 1e9) for name, s in test.items()}
    assert np.allclose(combine(other, val, rule), by_hand(other))
    # permuting the test data permutes the combined scores and changes nothing else
    order = rng.permutation(300)
    assert np.allclose(combine({n: s[order] for n, s in test.items()}, val, rule), combined[order])
    # one test sample scored alone gets the score it gets among the others
    assert np.allclose(combine({n: s[:1] for n, s in test.items()}, val, rule), combined[:1])
    # the held-out normal data is what it is fitted on: changing it changes the combination
    assert not np.allclose(combine(test, {**val, "a": val["a"] * 3}, rule), combined)


def test_inverse_spread_downweights_a_long_tailed_detector(scores):
    val, _ = scores
    weights = combination_weights(val, "inverse_spread")
    assert weights["b"] < weights["a"]  # t(2) normal scores: a long tail beyond the quartiles
    assert combination_weights(val, "equal") == {name: pytest.approx(1 / 3) for name in val}


def test_standardised_held_out_scores_have_median_0_and_iqr_1(scores):
    val, _ = scores
    z = combine({"a": val["a"]}, {"a": val["a"]})
    q25, q50, q75 = np.quantile(z, [0.25, 0.5, 0.75])
    assert q50 == pytest.approx(0, abs=1e-12) and q75 - q25 == pytest.approx(1)
    assert standardiser(np.ones(5)) == (1.0, 1.0)  # constant scores stay finite


def test_mismatched_detectors_are_refused(scores):
    val, test = scores
    with pytest.raises(ValueError, match="same detectors"):
        combine({"a": test["a"]}, val)
    with pytest.raises(ValueError, match="rule"):
        combination_weights(val, "best_on_test")
