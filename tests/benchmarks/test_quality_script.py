"""The quality benchmark's classical baselines and report: scikit-learn samplers scored by the same Evaluator,
runs split across processes merged into one document."""

from __future__ import annotations

import pytest
import torch
from sklearn.mixture import GaussianMixture

from benchmarks import classical
from tests.benchmarks.test_speed_script import load


def test_a_gaussian_mixture_sampler_draws_new_samples_in_every_batch():
    x, shape = classical.training_data("ring8", seed=0)
    sampler = classical.ClassicalSampler(GaussianMixture(8, random_state=0).fit(x), shape, seed=0)
    first, second = sampler.sample(250), sampler.sample(250)
    assert first.shape == (250, 2) and not torch.equal(first, second)
    # components are shuffled, not in blocks: the first 50 draws come from several modes
    assert len(set(torch.atan2(first[:50, 1], first[:50, 0]).mul(8 / 6.2832).round().tolist())) > 3


def test_digit_samples_are_enlarged_like_the_data_and_stay_in_range():
    sampler, _ = classical.fit("gmm10/digits", seed=0)
    images = sampler.sample(16)
    assert images.shape == (16, 1, 32, 32) and images.min() >= -1 and images.max() <= 1


def test_a_mixture_on_pca_components_of_mnist5k_samples_digit_images():
    """``+pca<d>``: fitted on d principal components, sampled back in pixels at MNIST-5k's own 28x28."""
    sampler, _ = classical.fit("gmm3+pca8/mnist5k", seed=0)
    assert sampler.pca.n_components_ == 8 and sampler.estimator.means_.shape == (3, 8)
    images = sampler.sample(16)
    assert images.shape == (16, 1, 28, 28) and images.min() >= -1 and images.max() <= 1
    assert classical.is_classical("kde+pca50/mnist5k") and not classical.is_classical("dcgan/mnist5k")


@pytest.mark.slow
def test_quality_report_puts_classical_baselines_beside_the_targets(tmp_path):
    """A copying KDE is caught by the memorization ratio; the digits target names the best mixture."""
    threads = torch.get_num_threads()
    doc = tmp_path / "BENCHMARKS.md"
    try:
        for run in ("gmm8/ring8", "gmm10/digits", "kde0.05/digits"):  # as separate processes would
            load("quality").main(
                ["--seeds", "0", "--only", run, "--out", str(tmp_path / "out"), "--doc", str(doc)]
                + ["--results-name", f"results_{run.replace('/', '_')}.json"]
            )
        load("quality").main(
            ["--seeds", "0", "--report-only", "--out", str(tmp_path / "out"), "--doc", str(doc)]
            + ["--machine", "the test machine"]
        )
    finally:
        torch.set_num_threads(threads)
    text = doc.read_text()
    assert "Machine: the test machine." in text
    rows = {
        line.split(" | ")[0][2:]: line.split(" | ") for line in text.splitlines() if line.startswith("| ")
    }
    assert rows["gmm8/ring8"][2].startswith("8.00")  # every mode of the ring
    memorization = {run: float(rows[run][7].split(" ")[0]) for run in ("gmm10/digits", "kde0.05/digits")}
    assert memorization["kde0.05/digits"] < 0.5 < 0.9 < memorization["gmm10/digits"]
    assert "| PacGAN4 | 7.8 ± 0.1 |" in text
    assert "digits: not every part has run yet" in text  # no GAN config ran


def test_mnist5k_report_shows_gan_and_drs_rows_and_ranks_only_honest_gans():
    """GAN rows come plain and through DRS (a refusal is counted, not scored); the target ignores a GAN that
    copies (memorization < 0.9) and compares the best honest one with the best Gaussian mixture."""
    report = load("mnist5k_quality")

    def metrics(fid: float, memorization: float) -> dict:
        return {"fid": fid, "kid": 0.01, "precision": 0.5, "recall": 0.5, "memorization": memorization}

    def gan(fid: float, memorization: float, drs: dict) -> dict:
        plain = metrics(fid, memorization)
        return {
            "metrics": plain,
            "seconds": 9,
            "cpu_seconds": 8,
            "steps": 100,
            "scores": {"plain": {"metrics": plain}, "drs": drs},
        }

    state = {
        "real_baseline": {**metrics(0.07, 1.0), "kid": -0.01},
        "runs": {
            "pacgan/mnist5k@0": gan(6.0, 1.5, {"metrics": metrics(5.0, 1.4), "acceptance_rate": 0.2}),
            "dcgan/mnist5k@0": gan(1.0, 0.5, {"refused": "slope <= 0"}),  # copies: never the best
            "gmm40+pca50/mnist5k@0": {"metrics": metrics(7.0, 1.9), "seconds": 20},
            "kde0.05/mnist5k@0": {"metrics": metrics(0.5, 0.8), "seconds": 1},
        },
    }
    lines = report.table(state, [0])
    rows = {tuple(line.split(" | ")[:2]): line for line in lines if line.startswith("| ")}
    assert "| 20.0 ± 0.0 |" in rows[("| pacgan/mnist5k", "drs")]  # accepted %
    assert ("| dcgan/mnist5k", "drs") not in rows and ("| dcgan/mnist5k", "plain") in rows
    verdict = report.verdict(state, [0])
    assert "**met**" in verdict and "pacgan/mnist5k + drs (1 seed) FID 5.00" in verdict
    assert "gmm40+pca50/mnist5k 7.00" in verdict
