"""``sample --rejection`` and ``evaluate --rejection``: the command as a process, the acceptance rate printed, the
held-out data found, refusals in one line."""

from __future__ import annotations

import pytest
from lightning.pytorch import Trainer, seed_everything

from lightning_gans import Toy2DDataModule, VanillaGAN
from lightning_gans.engine import adam
from lightning_gans.errors import ConfigError
from lightning_gans.tools.evaluate import evaluate
from lightning_gans.tools.sample import main as sample_main
from tests.checkpoints import tiny_checkpoint
from tests.cli.test_commands_as_processes import run


def tiny_toy_gan(steps: int, hidden: int = 64) -> tuple[VanillaGAN, Trainer]:
    """A VanillaGAN trained ``steps`` generator steps on grid25 (lr 1e-3: its discriminator separates real from
    generated samples within a few hundred steps, so it can be calibrated)."""
    seed_everything(0)
    model = VanillaGAN(
        data_shape=[2],
        latent_dim=8,
        hidden_dims=[hidden, hidden],
        generator_optimizer=adam(1e-3, (0.5, 0.999)),
        discriminator_optimizer=adam(1e-3, (0.5, 0.999)),
    )
    return model, Trainer(
        max_steps=steps,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,  # nothing written to the working directory
        enable_progress_bar=False,
        enable_model_summary=False,
    )


@pytest.fixture(scope="module")
def toy_ckpt(tmp_path_factory) -> str:
    """A grid25 VanillaGAN after 200 steps, saved without any record of its data (no Evaluation callback)."""
    model, _ = tiny_toy_gan(200)
    data = Toy2DDataModule("grid25", batch_size=128)
    return tiny_checkpoint(tmp_path_factory.mktemp("toy_ckpt"), model, "toy", data, steps=200)


@pytest.mark.slow  # about 10 s (30 s on a busy machine) of start-up for the fresh process
def test_sample_rejection_as_a_process_prints_the_acceptance_rate(toy_ckpt, tmp_path):
    out = tmp_path / "rows.csv"
    args = ["sample", "--ckpt", toy_ckpt, "--num", "300", "--out", str(out), "--rejection", "drs"]
    result = run([*args, "--data", "grid25", "--calibration_num", "500", "--device", "cpu"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "DRS (gamma = percentile 95" in result.stdout and "acceptance rate" in result.stdout
    assert "fresh grid25 draws" in result.stdout and "Brier" in result.stdout
    assert len(out.read_text().splitlines()) == 301  # header + 300 rows


def test_sample_mh_is_reproducible_for_a_seed(toy_ckpt, tmp_path, capsys):
    args = ["--ckpt", toy_ckpt, "--num", "200", "--rejection", "mh", "--data", "grid25", "--device", "cpu"]
    sample_main([*args, "--out", str(tmp_path / "a.csv"), "--calibration_num", "400"])
    assert "MH-GAN (K = 20 proposals" in capsys.readouterr().out
    sample_main([*args, "--out", str(tmp_path / "b.csv"), "--calibration_num", "400"])
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


def test_evaluate_rejection_reports_rate_and_calibration(toy_ckpt, capsys):
    result = evaluate(
        [
            "--ckpt",
            toy_ckpt,
            "--data",
            "grid25",
            "--num_samples",
            "500",
            "--rejection",
            "mh",
            "--proposals",
            "5",
        ]
    )
    assert 0 < result["rejection"]["acceptance_rate"] <= 1
    assert {"calibration_brier", "calibration_ece", "raw_brier", "raw_ece"} <= set(result["rejection"])
    out = capsys.readouterr().out
    assert "rejection" in out and "acceptance rate" in out and {"modes", "hq"} <= set(result["metrics"])


def test_refusals(toy_ckpt, tmp_path):
    # no --data/--config, no Evaluation record, no config.yaml: the held-out data cannot be found
    with pytest.raises(ConfigError, match="pass --data"):
        sample_main(["--ckpt", toy_ckpt, "--out", str(tmp_path / "r.csv"), "--rejection", "drs"])
    with pytest.raises(ConfigError, match="give one of them"):
        sample_main(["--ckpt", toy_ckpt, "--rejection", "drs", "--truncation", "0.5", "--data", "grid25"])
    # the digits' calibration images are their test split: scoring against it would grade on what tuned it
    with pytest.raises(ConfigError, match="keep --real_split train"):
        evaluate(["--ckpt", toy_ckpt, "--data", "digits", "--real_split", "test", "--rejection", "drs"])


@pytest.mark.slow
def test_rejection_raises_the_high_quality_share_on_grid25():
    """Learning test: a small GAN trained 1,500 steps on grid25 (about 20 s on one thread); DRS and MH-GAN, both
    calibrated on held-out draws, put a larger share of 2,000 samples within 3 std of a mode than plain sampling
    (seed 0: 1.2% plain, 4.3% DRS, 3.1% MH, and more modes)."""
    import torch

    from lightning_gans.data.toy2d import sample_toy, toy_modes
    from lightning_gans.metrics.modes import mode_coverage
    from lightning_gans.sampling import RejectionSampler

    model, trainer = tiny_toy_gan(1500, hidden=128)
    trainer.fit(model, Toy2DDataModule("grid25", batch_size=128))
    modes, std = toy_modes("grid25")
    torch.manual_seed(1)
    plain = mode_coverage(model.sample(2000), modes, std)
    real = sample_toy("grid25", 1000, generator=torch.Generator().manual_seed(123))
    for method in ("drs", "mh"):
        sampler = RejectionSampler(model, real, method=method, burn_in=2000)
        corrected = mode_coverage(sampler.sample(2000), modes, std)
        assert corrected["hq"] > 1.5 * plain["hq"], (method, plain, corrected, sampler.describe())
        assert 0 < sampler.acceptance_rate < 1
