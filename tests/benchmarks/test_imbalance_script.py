"""The imbalance benchmark runs end to end in its quick mode (tiny budgets), so it does not rot."""

from __future__ import annotations

import json

import pytest
import torch

from tests.benchmarks.test_speed_script import load


@pytest.mark.slow
def test_imbalance_benchmark_runs_in_quick_mode(tmp_path):
    threads = torch.get_num_threads()
    try:
        state = load("imbalance").main(["--quick", "--out", str(tmp_path)])
    finally:
        torch.set_num_threads(threads)
    arms = state["digits/0"]["arms"]["cnn"]
    assert set(arms) == {
        "none",
        "class_weights",
        "random_oversampler",
        "smote",
        "gan_per_class",
        "cgan",
        "cgan_acgan",
        "oracle",
    }
    assert all(0 <= a["balanced_accuracy"] <= 1 for a in arms.values())
    assert (tmp_path / "results_quick.json").exists()


@pytest.mark.slow
def test_issue25_arms_both_classifiers_and_merge(tmp_path):
    """The new arms on MNIST-5k with both classifiers, one process's results merged into the report."""
    bench = load("imbalance")
    threads = torch.get_num_threads()
    arms = ["random_oversampler", "cgan_plus_ros", "cgan_filtered"]
    try:
        bench.main(
            ["--quick", "--data", "mnist5k", "--classifier", "cnn", "logreg", "--arms", *arms]
            + ["--out", str(tmp_path / "run")]
        )
    finally:
        torch.set_num_threads(threads)
    doc = tmp_path / "doc.md"
    doc.write_text("# Benchmarks\n\nkept\n")
    merged = bench.main(
        ["--merge", str(tmp_path / "run" / "results_quick.json"), "--out", str(tmp_path / "merged")]
        + ["--doc", str(doc)]
    )
    run = merged["runs"]["mnist5k/0"]
    assert set(run["arms"]) == {"cnn", "logreg"} and all(set(r) == set(arms) for r in run["arms"].values())
    assert 0 <= run["extra"]["filter_acceptance"] <= 1 and len(run["extra"]["filter_thresholds"]) == 10
    assert json.loads((tmp_path / "merged" / "results.json").read_text())["seeds"] == [0]
    text = doc.read_text()
    assert "kept" in text and "<!-- imbalance2:start -->" in text and "mnist5k, logreg" in text


@pytest.mark.slow
def test_bagan_arms_run_and_merge_with_other_arms_of_the_same_seed(tmp_path):
    """The BAGAN arms in one process, the cGAN arms in another, both with RandomOverSampler: one merged run."""
    bench = load("imbalance")
    threads = torch.get_num_threads()
    common = ["--quick", "--data", "digits", "--classifier", "logreg"]
    try:
        for name, arms in {
            "a": ["random_oversampler", "cgan_plus_ros"],
            "b": ["random_oversampler", *bench.BAGAN_ARMS],
        }.items():
            bench.main(common + ["--arms", *arms, "--out", str(tmp_path / name)])
    finally:
        torch.set_num_threads(threads)
    merged = bench.main(
        ["--merge", str(tmp_path / "a" / "results_quick.json"), str(tmp_path / "b" / "results_quick.json")]
        + ["--out", str(tmp_path / "merged"), "--doc", str(tmp_path / "doc.md")]
    )
    run = merged["runs"]["digits/0"]
    assert set(run["arms"]["logreg"]) == {"random_oversampler", "cgan_plus_ros", *bench.BAGAN_ARMS}
    assert 0 <= run["extra"]["bagan_filter_acceptance"] <= 1 and "bagan_gan_train" in run["extra"]
    assert merged["processes"] == 2
    assert "bagan samples" in (tmp_path / "doc.md").read_text()


def test_merge_refuses_runs_whose_shared_arm_differs():
    """Two processes' RandomOverSampler on the same seed must agree, or the paired differences would mix runs."""
    bench = load("imbalance")

    def run(ros: float, arm: str) -> dict:
        scores = {"balanced_accuracy": ros}
        return {"arms": {"cnn": {"random_oversampler": scores, arm: scores}}, "extra": {arm: 1}, "cpu_s": 1.0}

    combined = bench.combine_runs(run(0.9, "bagan"), run(0.9, "smote"), "digits/0")
    assert set(combined["arms"]["cnn"]) == {"random_oversampler", "bagan", "smote"}
    assert combined["cpu_s"] == 2.0 and combined["extra"] == {"bagan": 1, "smote": 1}
    with pytest.raises(ValueError, match="random_oversampler"):
        bench.combine_runs(run(0.9, "bagan"), run(0.8, "smote"), "digits/0")
