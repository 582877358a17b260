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
            [
                *("--digits", "3", "--seeds", "0", "--gan_steps", "2", "--encoder_steps", "2"),
                *("--pyod_epochs", "1", "--out", str(out)),
            ]
        )
    finally:
        torch.set_num_threads(threads)
    auroc = json.loads(out.read_text())["auroc"]
    assert set(auroc) == {
        *("isolation_forest", "ocsvm", "lof", "pca", "kde"),
        *("pyod_ecod", "pyod_autoencoder", "pyod_deep_svdd", "pyod_anogan", "pyod_alad"),
        *("pyod_so_gaal", "pyod_mo_gaal", "fanogan_izif", "d_only", "bigan"),
    }
    assert all(0 <= a["3"][0] <= 1 for a in auroc.values())


def test_runs_split_by_digit_merge_into_one_table(tmp_path, capsys):
    """Per-digit results of separate processes merge into one table with the target line."""
    anomaly = load("anomaly")
    methods = ["pca", "bigan", "fanogan_izif"]
    for digit, seed, value in [(0, 0, 0.9), (0, 1, 0.7), (1, 0, 0.5)]:
        auroc = {m: {str(digit): [value if m == "pca" else value - 0.1]} for m in methods}
        part = {"args": {"digits": [digit], "seeds": [seed]}, "auroc": auroc, "seconds": 1.0}
        (tmp_path / f"d{digit}s{seed}.json").write_text(json.dumps(part))
    parts = sorted(str(p) for p in tmp_path.glob("d*.json"))
    anomaly.main(["--merge", *parts, "--out", str(tmp_path / "merged.json")])
    merged = json.loads((tmp_path / "merged.json").read_text())
    assert merged["auroc"]["pca"] == {"0": [0.9, 0.7], "1": [0.5]}
    assert merged["args"]["seeds"] == [0, 1] and merged["seconds"] == 3.0
    out = capsys.readouterr().out
    assert "| pca | 0.800 | 0.500 | **0.650** |" in out
    assert "missed" in out and "-0.100" in out
