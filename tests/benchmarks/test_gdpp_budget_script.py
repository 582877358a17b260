"""The GDPP-budget benchmark: a short run of GDPP's networks scored plainly, with DRS and with MH, merged into a
JSON file, a table and a doc section beside GDPP's published rows."""

from __future__ import annotations

import json

import pytest
import torch

from tests.benchmarks.test_speed_script import load


@pytest.mark.slow
def test_a_short_run_is_scored_three_ways_beside_the_published_rows(tmp_path):
    threads = torch.get_num_threads()
    doc, merged = tmp_path / "BENCHMARKS.md", tmp_path / "gdpp_budget.json"
    common = ["--seeds", "0", "--out", str(tmp_path / "out"), "--json", str(merged), "--doc", str(doc)]
    try:
        load("gdpp_budget").main(
            [
                "--only",
                "gdpp_budget/ring8_gdpp_nets",
                "--steps",
                "3",
                *common,
                "--machine",
                "the test machine",
            ]
        )
    finally:
        torch.set_num_threads(threads)
    runs = json.loads(merged.read_text())["runs"]
    scores = runs["gdpp_budget/ring8_gdpp_nets@0"]["scores"]
    assert set(scores) == {"plain", "drs", "mh"} and runs["gdpp_budget/ring8_gdpp_nets@0"]["steps"] == 3
    assert scores["plain"]["rejection"] is None and 0 < scores["drs"]["rejection"]["acceptance_rate"] <= 1
    text = doc.read_text()
    assert "<!-- gdpp:start -->" in text and "Machine: the test machine." in text
    assert "| ring8_gdpp_nets | mh | 1 |" in text and "| GDPP-GAN | 8.0 | 71.7 | 24.8 | 68.5 |" in text
    assert "- grid25: not run yet" in text and "ring8: target" in text
    assert merged.with_suffix(".table.txt").read_text().startswith("| config | sampling |")


def test_a_refused_sampler_is_counted_not_averaged():
    """DRS/MH refuse a discriminator they cannot calibrate: the row counts the refusals, the means skip them."""
    bench = load("gdpp_budget")
    metrics = {"modes": 1, "hq": 0.1, "reverse_kl": 2.0, "precision": 0.1, "recall": 0.2}

    def result(drs: dict) -> dict:
        plain = {"metrics": metrics, "rejection": None}
        return {"seconds": 10.0, "steps": 100, "scores": {"plain": plain, "drs": drs, "mh": drs}}

    ran = {"metrics": metrics | {"hq": 0.3}, "rejection": {"acceptance_rate": 0.5}}
    runs = {
        "gdpp_budget/ring8_gdpp_nets@0": result(ran),
        "gdpp_budget/ring8_gdpp_nets@1": result({"refused": "the discriminator cannot be calibrated"}),
    }
    rows = bench.table(bench.grouped(runs, [0, 1]))
    drs = next(row for row in rows if "| drs |" in row)
    assert "| 1 (1 refused) |" in drs and "| 30.0 ± 0.0 |" in drs and "| 50.0 ± 0.0 |" in drs
    verdict = bench.verdicts(bench.grouped(runs, [0, 1]))[0]
    assert "ring8_gdpp_nets + drs (1 seeds)" in verdict and "**missed**" in verdict
