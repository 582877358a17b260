"""The translation benchmark runs end to end in its quick mode (2 generator steps, 200 images per split), its
per-process results merge into one report, and the classical mappings keep shapes and ranges."""

from __future__ import annotations

import json

import pytest
import torch

from tests.benchmarks.test_speed_script import load


@pytest.fixture
def restore_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.mark.slow  # two Trainer runs and 1024-d CORAL: 16 s, and the default suite has 5 minutes in all
def test_translation_benchmark_runs_in_quick_mode(tmp_path, restore_threads):
    translation = load("translation")
    report = translation.main(
        ["--quick", "--semantic", "--seeds", "0", "--tasks", "mnist5k_digits", "mnistm_clean"]
        + ["--out", str(tmp_path / "out"), "--work", str(tmp_path / "work")]
    )
    assert set(report["runs"]) == {"mnist5k->digits", "digits->mnist5k", "mnistm->mnist5k"}
    classical = {"source_only", "resize_blur_sharpen", "histogram_matching", "coral_pixels", "coral_features"}
    assert set(report["runs"]["mnist5k->digits"]) == classical | {
        "target_supervised",
        "cyclegan",
        "cyclegan_semantic",
    }
    assert set(report["runs"]["mnistm->mnist5k"]) == classical | {
        "target_supervised",
        "otsu_morphology",
        "pix2pix",
    }
    for runs in report["runs"].values():
        for method, (run,) in runs.items():
            assert 0 <= run["acc"] <= 1 and 0 <= run["tot_acc"] <= 1, method
            assert method == "coral_features" or run["fid"] >= 0
    assert report["runs"]["mnistm->mnist5k"]["pix2pix"][0]["l1"] >= 0
    assert report["runs"]["mnist5k->digits"]["cyclegan"][0]["steps"] == 2
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["runs"] == report["runs"]
    markdown = (tmp_path / "out" / "report.table.txt").read_text()
    assert "| mnist5k->digits |" in markdown and "| cyclegan |" in markdown and "MNIST -> USPS" in markdown


def test_runs_split_by_task_and_seed_merge_into_one_report(tmp_path, capsys):
    translation = load("translation")
    args = {"steps": 1, "pix2pix_steps": 1, "width": 8, "n_blocks": 1, "batch_size": 4}
    args |= {"classifier_steps": 1, "classifier_width": 8}
    for seed, acc in ((0, 0.9), (1, 0.7)):
        runs = {"mnist5k->digits": {"source_only": [{"seed": seed, "acc": acc, "fid": 3.0, "tot_acc": 0.5}]}}
        runs["mnist5k->digits"]["cyclegan"] = [
            {"seed": seed, "acc": acc + 0.05, "fid": 2.0, "tot_acc": 0.6, "s_per_step": 0.5}
        ]
        part = {"seeds": [seed], "args": args, "machine": "m", "cpu_s": 10.0, "runs": runs}
        (tmp_path / f"s{seed}.json").write_text(json.dumps(part))
    parts = [
        str(tmp_path / "s0.json"),
        str(tmp_path / "s1.json"),
        str(tmp_path / "s0.json"),
    ]  # s0 twice: once
    report = translation.main(["--merge", *parts, "--out", str(tmp_path / "merged")])
    assert report["seeds"] == [0, 1] and report["cpu_s"] == 30.0
    assert [r["seed"] for r in report["runs"]["mnist5k->digits"]["source_only"]] == [0, 1]
    out = capsys.readouterr().out
    assert "| source_only | 80.0 ± 14.1 |" in out
    assert "missed (85.0%; best classical source_only 80.0%)" in out
    assert (tmp_path / "merged" / "report.table.txt").read_text().startswith("# Image translation")


def test_classical_mappings_keep_shape_and_range():
    translation = load("translation")
    images = torch.rand(6, 3, 32, 32) * 2 - 1
    for zoom in (0.8, 1.25):
        out = translation.resize_blur_sharpen(images, zoom, 0.5, 1.0)
        assert out.shape == images.shape and out.min() >= -1 and out.max() <= 1
    reference = torch.rand(4, 3, 32, 32) * 2 - 1
    assert translation.histogram_matching(images, reference).shape == images.shape
    # a bright centred square on a dark ground is found as the digit whatever the polarity
    square = -torch.ones(2, 1, 32, 32)
    square[:, :, 10:22, 12:20] = 1
    square[1] = -square[1]
    digit = translation.otsu_morphology(square.expand(-1, 3, -1, -1))
    assert digit.shape == (2, 1, 32, 32)
    assert torch.equal(digit[0], digit[1]) and digit[0, 0, 16, 16] == 1 and digit[0, 0, 0, 0] == -1
