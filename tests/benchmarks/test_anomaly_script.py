"""The anomaly benchmark runs end to end on one digit with tiny budgets, so it does not rot."""

from __future__ import annotations

import json

import numpy as np
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
    assert set(auroc) == ALL_METHODS
    assert all(0 <= a["3"][0] <= 1 for a in auroc.values())


ALL_METHODS = {
    *("isolation_forest", "ocsvm", "lof", "pca", "kde", "pyod_knn"),
    *("pyod_ecod", "pyod_autoencoder", "pyod_deep_svdd", "pyod_anogan", "pyod_alad"),
    *("pyod_so_gaal", "pyod_mo_gaal", "fanogan_izif", "d_only", "critic_knn", "bigan", "clustergan"),
    *("combo_ours", "combo_ours_knn"),
}


PYOD_TRAINED = {"pyod_ecod", "pyod_autoencoder", "pyod_deep_svdd", "pyod_anogan", "pyod_alad"} | {
    "pyod_so_gaal",
    "pyod_mo_gaal",
}


def run_tiny(tmp_path, *args: str) -> tuple[dict, str]:
    threads = torch.get_num_threads()
    out = tmp_path / "results.json"
    try:
        load("anomaly").main(["--tiny", "--seeds", "0", *args, "--out", str(out)])
    finally:
        torch.set_num_threads(threads)
    return json.loads(out.read_text()), out.with_suffix(".table.txt").read_text()


def test_tiny_mode_on_wine_one_cultivar_normal(tmp_path):
    """scikit-learn's detectors and k-NN, the GANs as MLPs on the 13 standardised columns, the combinations: in
    about a second (pyod's trained detectors take 9 s even at 1 epoch: the slow test above runs them)."""
    results, report = run_tiny(
        tmp_path,
        *("--data", "wine", "--protocol", "one-class", "--classes", "1", "--groups", "classical", "gans"),
    )
    assert results["args"]["protocol"] == "one-class" and results["args"]["gan_steps"] == 2
    assert set(results["auroc"]) == ALL_METHODS - PYOD_TRAINED
    assert all(len(a["1"]) == 1 and 0 <= a["1"][0] <= 1 for a in results["auroc"].values())
    assert "| pyod_knn | " in report and "each column: the normal class" in report
    assert "(level or above)" in report  # tables: the target is the best classical detector itself


def test_fanogan_alone_gives_the_critic_scores(tmp_path):
    """``--no_bigan --no_clustergan``: f-AnoGAN's WGAN-GP and encoder only; no BiGAN, so no combinations."""
    results, _ = run_tiny(
        tmp_path,
        *("--data", "wine", "--classes", "1", "--groups", "gans", "--no_bigan", "--no_clustergan"),
    )
    assert set(results["auroc"]) == {"fanogan_izif", "d_only", "critic_knn"}


def test_reuse_wgan_scores_the_saved_critics_again(tmp_path, monkeypatch, capsys):
    """``--reuse_wgan``: the critic a run saved gives the same critic_knn, and its d_only is printed as a check."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the runs' folders, wgan.ckpt among them
    wine = ("--data", "wine", "--classes", "1", "--groups", "gans")
    first, _ = run_tiny(tmp_path, *wine, "--no_bigan", "--no_clustergan")
    again, _ = run_tiny(tmp_path, *wine, "--reuse_wgan", str(tmp_path / "lightning_gans_bench_anomaly"))
    assert set(again["auroc"]) == {"critic_knn"}
    assert again["auroc"]["critic_knn"] == first["auroc"]["critic_knn"]
    assert f"d_only AUROC {first['auroc']['d_only']['1'][0]:.3f}" in capsys.readouterr().out


def test_many_normal_on_a_users_csv_classical_only(tmp_path):
    """``--table FILE --label-column NAME``: each class in turn the anomaly, the others normal."""
    rng = np.random.default_rng(0)
    centres = {0: (0, 0), 1: (4, 0), 2: (0, 4)}
    lines = ["x,y,label"] + [
        f"{cx + rng.normal()},{cy + rng.normal()},{k}" for k, (cx, cy) in centres.items() for _ in range(40)
    ]
    (tmp_path / "blobs.csv").write_text("\n".join(lines))
    results, report = run_tiny(
        tmp_path,
        *("--table", str(tmp_path / "blobs.csv"), "--label-column", "label"),
        *("--protocol", "many-normal", "--groups", "classical"),
    )
    assert set(results["auroc"]["pyod_knn"]) == {"0", "1", "2"}
    assert "every other class normal" in report and "Target: not measured" in report
    # a class between two normal blobs' neighbours is still far from them: k-NN finds it
    assert min(results["auroc"]["pyod_knn"][k][0] for k in "012") > 0.9


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
    assert (
        (tmp_path / "merged.table.txt")
        .read_text()
        .startswith("AUROC, mean over seeds (each column: the normal class)")
    )


def test_many_normal_runs_merge_with_their_protocol(tmp_path, capsys):
    anomaly = load("anomaly")
    for cls in (3, 10 - 9):
        auroc = {"pyod_knn": {str(cls): [0.9]}, "combo_ours": {str(cls): [0.95]}}
        args = {"digits": [str(cls)], "seeds": [0], "protocol": "many-normal", "data": "mnist5k"}
        (tmp_path / f"c{cls}.json").write_text(json.dumps({"args": args, "auroc": auroc, "seconds": 2.0}))
    anomaly.main(
        ["--merge", *sorted(str(p) for p in tmp_path.glob("c*.json")), "--out", str(tmp_path / "m.json")]
    )
    merged = json.loads((tmp_path / "m.json").read_text())
    assert merged["args"]["protocol"] == "many-normal" and merged["args"]["digits"] == ["1", "3"]
    out = capsys.readouterr().out
    assert "every other class normal" in out and "| combo_ours | 0.950 | 0.950 | **0.950** |" in out
    assert "+ 0.02" in out and "met" in out and "+0.050" in out


def test_a_method_run_on_some_classes_is_shown_but_not_ranked(tmp_path, capsys):
    """Classes where a method was not run (``--no_bigan`` on some) show "-"; its partial mean is marked and the
    target compares only methods run on every class."""
    anomaly = load("anomaly")
    parts = {0: {"pca": 0.8, "critic_knn": 0.7, "bigan": 0.99}, 1: {"pca": 0.6, "critic_knn": 0.65}}
    for cls, values in parts.items():
        auroc = {m: {str(cls): [v]} for m, v in values.items()}
        part = {"args": {"digits": [str(cls)], "seeds": [0]}, "auroc": auroc, "seconds": 1.0}
        (tmp_path / f"c{cls}.json").write_text(json.dumps(part))
    anomaly.main(
        ["--merge", *sorted(str(p) for p in tmp_path.glob("c*.json")), "--out", str(tmp_path / "m.json")]
    )
    out = capsys.readouterr().out
    assert "| bigan | 0.990 | - | 0.990 (1 of 2) |" in out
    assert "critic_knn 0.675 vs pca 0.700: -0.025" in out


def test_clustergan_score_is_izif_with_clustergans_own_encoder():
    """The ClusterGAN arm's score on hand-checkable parts: ||x - G(E(x))||^2 + ||f_D(x) - f_D(G(E(x)))||^2, per
    sample, from the model's own reconstruct and critic features (eval mode)."""
    from lightning_gans import ClusterGAN

    torch.manual_seed(0)
    model = ClusterGAN(data_shape=[5], latent_dim=2, num_clusters=3, architecture="mlp", hidden_dims=(8,))
    x = torch.randn(6, 5)
    scores = load("anomaly").clustergan_score(model, x)
    x_rec = model.reconstruct(x)
    f_x, f_rec = model.discriminator.features(x), model.discriminator.features(x_rec)
    expected = (x - x_rec).pow(2).mean(1) + (f_x - f_rec).pow(2).mean(1)
    torch.testing.assert_close(scores, expected)
    assert scores.shape == (6,) and not model.training
