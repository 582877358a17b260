"""The imbalance benchmark runs end to end in its quick mode (tiny budgets), so it does not rot."""

from __future__ import annotations

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
    arms = state["0"]["arms"]
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
