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
