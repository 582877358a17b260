"""The benchmark scripts run end to end in a tiny mode, so they do not rot."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def restore_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_speed_benchmark_runs_in_tiny_mode(capsys, restore_threads):
    speed = load("speed")
    results = speed.main(["--steps", "2", "--warmup", "1", "--repeats", "1", "--device", "cpu"])
    assert [r["key"] for r in results] == list(speed.CASES)
    for res in results:
        for clock in ("cpu", "wall"):
            assert all(len(v) == 1 and v[0] > 0 for v in res["times"][clock].values())
    out = capsys.readouterr().out
    assert "a/b paired" in out
    assert "DCGAN-32 digits" in out and "WGAN-GP-32" in out and "ring8" in out


def test_fid_cost_runs_in_tiny_mode(capsys, restore_threads):
    fid_cost = load("fid_cost")
    results = fid_cost.main(["--samples", "40", "--inception-samples", "0", "--batch-size", "20"])
    assert results["digits"]["wall"] > 0
    assert "40 vs 1437" in capsys.readouterr().out


def test_gpu_throughput_code_path_runs_on_cpu(capsys, restore_threads):
    speed = load("speed")
    argv = ["--gpu-throughput", "--device", "cpu", "--steps", "1", "--warmup", "1", "--size", "16"]
    rows = speed.main([*argv, "--batch-size", "4", "--no-compile"])
    assert len(rows) == 8
    assert all(not str(row["images_per_s"]).startswith("failed") for row in rows)
    assert "not GPU figures" in capsys.readouterr().out


@pytest.mark.slow
def test_fid_cost_inception_path_runs(capsys, restore_threads):
    fid_cost = load("fid_cost")
    results = fid_cost.main(["--samples", "20", "--inception-samples", "2", "--batch-size", "10"])
    tm = results["Inception via torchmetrics FrechetInceptionDistance"]
    tf = results["Inception via torch-fidelity calculate_metrics"]
    assert tm["large"]["fid"] == pytest.approx(tf["large"]["fid"], rel=1e-3, abs=1e-6)
    assert "extrapolated from 4 and 8 images" in capsys.readouterr().out
