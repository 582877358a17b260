"""The clustering benchmark runs end to end on a tiny budget (2 GAN steps, short t-SNE), so it does not rot; the
classical baselines reproduce the figures docs/BENCHMARKS.md quotes; runs split by seed merge into one report."""

from __future__ import annotations

import json

import pytest
import torch

from tests.benchmarks.test_speed_script import load

TINY = ["--data", "digits", "--steps", "2", "--tsne-iter", "250"]


def run(clustering, args: list[str]) -> dict:
    threads = torch.get_num_threads()
    try:
        return clustering.main(TINY + args)
    finally:
        torch.set_num_threads(threads)


def test_clustering_benchmark_runs_on_a_tiny_budget(tmp_path, capsys):
    report = run(load("clustering"), ["--seeds", "0", "--out", str(tmp_path)])
    classical = {"kmeans", "ward", "spectral", "gmm", "pca16_kmeans", "tsne_kmeans"}
    ours = {
        "clustergan_argmax",
        "clustergan_e_kmeans",
        "clustergan_e_spectral",
        "bigan_e_kmeans",
        "infogan_mlp",
    }
    summary = report["summary"]["digits"]
    assert set(summary) == classical | ours
    assert json.loads((tmp_path / "results.json").read_text())["sizes"]["steps"] == {"digits": 2}
    table = capsys.readouterr().out
    assert all(f"| {m} |" in table for m in classical | ours)
    assert (tmp_path / "report.table.txt").read_text().strip() in table
    assert all(
        0 <= summary[m]["purity"][0] <= 1 and summary[m]["purity"][0] >= summary[m]["acc"][0] for m in ours
    )
    # the label-free choice exists for the encoder models only, and reads their cycle scores
    assert summary["clustergan_argmax"]["selected"]["seed"] == 0 and "selected" not in summary["kmeans"]
    assert "reconstruction_mse" in report["runs"]["digits"]["bigan_e_kmeans"][0]["cycle"]
    # representation: each encoder beside PCA at its own dimension (ClusterGAN 8 + 10, BiGAN 16)
    reps = report["representation"]["digits"]
    assert set(reps) == {"clustergan_E", "pca18", "bigan_E", "pca16"}
    assert all(0 < r[0]["linear"] <= 1 and 0 < r[0]["knn5"] <= 1 for r in reps.values())
    # KMeans (n_init 10) and Ward on the 1,797 digits' pixels: 0.79 / 0.74 and 0.84 / 0.87 (shared/DESIGN.md)
    kmeans, ward = summary["kmeans"], summary["ward"]
    assert kmeans["acc"][0] == pytest.approx(0.79, abs=0.02) and kmeans["nmi"][0] == pytest.approx(
        0.74, abs=0.02
    )
    assert ward["acc"][0] == pytest.approx(0.84, abs=0.01) and ward["nmi"][0] == pytest.approx(0.87, abs=0.01)


@pytest.mark.slow  # three tiny runs with t-SNE each: about 40 s of the default suite's 5 minutes
def test_runs_split_by_seed_merge_into_one_report(tmp_path):
    """Seeds run as separate processes (as ``make bench-clustering`` runs them) and merge: one run per method and
    seed; a seed without GAN runs (``--gan-seeds -1``) adds classical runs only."""
    clustering = load("clustering")
    args = ["--arms", "clustergan"]
    run(clustering, ["--seeds", "0", *args, "--out", str(tmp_path / "seed0")])
    run(clustering, ["--seeds", "1", "--gan-seeds", "-1", *args, "--out", str(tmp_path / "seed1")])
    run(clustering, ["--seeds", "0", *args, "--out", str(tmp_path / "again")])  # seed 0 written twice
    parts = [tmp_path / name / "results.json" for name in ("seed0", "seed1", "again")]
    report = clustering.main(["--merge", *map(str, parts), "--out", str(tmp_path / "merged")])
    runs = report["runs"]["digits"]
    assert report["seeds"] == [0, 1]
    assert [r["seed"] for r in runs["kmeans"]] == [0, 1] and [
        r["seed"] for r in runs["clustergan_argmax"]
    ] == [0]
    assert runs["kmeans"][1] == json.loads(parts[1].read_text())["runs"]["digits"]["kmeans"][0]
    assert [r["seed"] for r in report["representation"]["digits"]["clustergan_E"]] == [0]
    assert (tmp_path / "merged" / "report.table.txt").is_file()
