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


def test_the_report_keeps_the_committed_rows_and_adds_new_runs_and_their_raw_generator(tmp_path):
    """``--report-only`` from a fresh ``--out`` merges the committed JSON with the new per-run files (a new file
    wins for the same run and seed); the "raw" row appears only for runs that scored their raw generator."""
    bench = load("gdpp_budget")
    metrics = {"modes": 8, "hq": 0.9, "reverse_kl": 0.01, "precision": 0.9, "recall": 0.9}
    scored = {"metrics": metrics, "rejection": None}
    old = {"seconds": 10.0, "steps": 10000, "scores": {"plain": scored, "drs": scored, "mh": scored}}
    new = {**old, "steps": 25000, "scores": {**old["scores"], "raw": scored}}
    committed = tmp_path / "gdpp_budget.json"
    committed.write_text(
        json.dumps({"runs": {"gdpp_budget/ring8_gdpp_nets@0": old, "gdpp_budget/ring8@0": old}})
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "results_gdpp_budget_ring8_0.json").write_text(json.dumps({"gdpp_budget/ring8@0": new}))
    text = bench.write_report([0], "cmd", "machine", None, out, committed)
    runs = json.loads(committed.read_text())["runs"]
    assert set(runs) == {"gdpp_budget/ring8_gdpp_nets@0", "gdpp_budget/ring8@0"}
    assert runs["gdpp_budget/ring8@0"]["steps"] == 25000
    assert "| ring8_gdpp_nets | plain | 1 |" in text and "| ring8_gdpp_nets | raw |" not in text
    assert "| ring8 | raw | 1 |" in text and "| 25000 |" in text and "| 10000 |" in text
    assert "ring8: target (GDPP-GAN's 8 modes and 71.7% high quality) **met**" in text


def test_a_per_run_file_replaces_the_record_and_a_change_of_length_is_printed(tmp_path, capsys):
    record, out = tmp_path / "gdpp_budget.json", tmp_path / "out"
    out.mkdir()
    record.write_text(
        json.dumps({"runs": {"a@0": {"steps": 25000}, "b@0": {"steps": 25000}, "c@0": {"steps": 1}}})
    )
    (out / "results_a_0.json").write_text(json.dumps({"a@0": {"steps": 10000}}))
    (out / "results_b_0.json").write_text(json.dumps({"b@0": {"steps": 25000, "new": True}}))
    runs = load("gdpp_budget").merged(out, record)
    assert runs == {"a@0": {"steps": 10000}, "b@0": {"steps": 25000, "new": True}, "c@0": {"steps": 1}}
    printed = capsys.readouterr().out
    assert "a@0: the 25000-step record is replaced by the 10000-step run" in printed and "b@0" not in printed
