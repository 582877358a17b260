"""The anomaly benchmark runs end to end on one digit with tiny budgets, so it does not rot."""

from __future__ import annotations

import json

import pytest
import torch

from tests.benchmarks.test_speed_script import load


@pytest.mark.slow
def test_anomaly_benchmark_runs_on_one_digit(tmp_path):
    threads = torch.get_num_threads()
    out = tmp_path / "results.json"
    try:
        load("anomaly").main(
            ["--digits", "3", "--seeds", "0", "--gan_steps", "2", "--encoder_steps", "2", "--out", str(out)]
        )
    finally:
        torch.set_num_threads(threads)
    auroc = json.loads(out.read_text())["auroc"]
    assert set(auroc) == {"isolation_forest", "ocsvm", "lof", "pca", "kde", "fanogan_izif", "d_only", "bigan"}
    assert all(0 <= a["3"][0] <= 1 for a in auroc.values())
