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
