"""The W&B logger: a CLI run logged offline, read back from wandb's own files; the automatic offline fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
import wandb
from lightning.pytorch import Trainer
from PIL import Image

from lightning_gans import DCGAN, DigitsDataModule, SampleGrid
from lightning_gans.cli import main
from lightning_gans.loggers import WandbLogger, choose_wandb_mode
from tests.loggers.tiny_dcgan import CONFIGS, TINY_DCGAN
from tests.loggers.wandb_records import read_run


@pytest.fixture
def wandb_home(tmp_path, monkeypatch):
    """wandb's config, cache and artifact staging folders inside the test's folder; no credentials anywhere."""
    for var in ("WANDB_API_KEY", "WANDB_IDENTITY_TOKEN_FILE", "WANDB_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    for var in ("WANDB_CONFIG_DIR", "WANDB_CACHE_DIR", "WANDB_DATA_DIR", "WANDB_ARTIFACT_DIR"):
        monkeypatch.setenv(var, str(tmp_path / "wandb-home" / var.lower()))
    wandb.finish()  # a run another test left open would otherwise receive this test's logs
    yield tmp_path
    wandb.finish()  # Lightning leaves the run open (a later trainer.test may log to it)


def test_cli_run_logs_config_losses_images_and_checkpoints_offline(wandb_home, capsys):
    out = wandb_home / "runs"
    main(
        [
            "fit",
            f"--config={CONFIGS / 'dcgan' / 'digits.yaml'}",
            f"--config={CONFIGS / 'logger' / 'wandb.yaml'}",
            *TINY_DCGAN,
            "--trainer.max_steps=4",
            "--trainer.log_every_n_steps=1",
            f"--trainer.default_root_dir={out}",
            f"--trainer.logger.init_args.save_dir={out}",
            "--trainer.logger.init_args.offline=true",
            "--trainer.logger.init_args.log_model=true",
        ]
    )
    wandb.finish()
    (folder,) = (out / "wandb").glob("offline-run-*")
    run = read_run(folder)

    # config: the model's hyperparameters and the whole CLI config
    assert run.config["latent_dim"] == 8 and run.config["data_shape"] == [1, 16, 16]
    assert run.config["config"]["model"]["class_path"] == "lightning_gans.DCGAN"
    assert run.config["config"]["trainer"]["max_steps"] == 4
    assert run.config["config"]["data"]["init_args"]["image_size"] == 16

    # losses: one value per generator step, against the trainer's step counter
    d_losses, g_losses = run.values("train/d_loss"), run.values("train/g_loss")
    assert len(d_losses) == len(g_losses) == 4
    assert all(isinstance(v, float) and v > 0 for v in d_losses + g_losses)
    assert [r["trainer/global_step"] for r in run.history if "train/d_loss" in r] == [0, 1, 2, 3]

    # the SampleGrid picture: 8 x 8 grid of 16x16 tiles with 2-pixel padding
    assert run.images, "no image in the run's media folder"
    assert Image.open(run.images[-1]).size == (8 * 18 + 2, 8 * 18 + 2)
    logged = [r["samples/filenames"] for r in run.history if r.get("samples/_type") == "images/separated"]
    assert logged and {Path(f).name for files in logged for f in files} == {p.name for p in run.images}

    # the checkpoint as a model artifact, kept in the offline run for `wandb sync`
    assert [(kind, files) for _, kind, files in run.artifacts] == [("model", ["model.ckpt"])]
    err = capsys.readouterr().err
    assert "W&B: logging offline" not in err  # offline was asked for: no fallback line
    # not a terminal: no wandb banner (colour codes and all), one plain line saying where the run is
    assert "wandb:" not in err and "\x1b[" not in err
    assert f"W&B: offline run in {folder}" in err


def test_two_runs_in_one_folder_keep_their_own_config_and_samples(wandb_home):
    out = wandb_home / "runs"
    args = [
        "fit",
        f"--config={CONFIGS / 'dcgan' / 'digits.yaml'}",
        f"--config={CONFIGS / 'logger' / 'wandb.yaml'}",
        *TINY_DCGAN,
        "--trainer.max_steps=2",
        f"--trainer.default_root_dir={out}",
        f"--trainer.logger.init_args.save_dir={out}",
        "--trainer.logger.init_args.offline=true",
    ]
    main(args)
    wandb.finish()
    main(args)
    wandb.finish()
    configs = sorted((out / "lightning-gans").glob("*/config.yaml"))
    grids = sorted((out / "lightning-gans").glob("*/samples/final.png"))
    assert len(configs) == 2 and len(grids) == 2  # <save_dir>/<project>/<run id>/ each
    assert configs[0].parent != configs[1].parent


def test_falls_back_to_offline_without_api_key_and_training_goes_on(wandb_home, monkeypatch, capsys):
    monkeypatch.delenv("WANDB_MODE", raising=False)
    logger = WandbLogger(save_dir=wandb_home)
    trainer = Trainer(
        max_steps=3,
        log_every_n_steps=1,
        logger=logger,
        callbacks=[SampleGrid(every_n_steps=0, num_samples=4)],
        accelerator="cpu",
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    model = DCGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8)
    trainer.fit(model, DigitsDataModule(image_size=16, batch_size=16))
    wandb.finish()

    assert trainer.global_step == 3
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("W&B:")]
    (folder,) = (wandb_home / "wandb").glob("offline-run-*")
    assert lines == [
        "W&B: logging offline, no W&B API key found (set WANDB_API_KEY or run `wandb login`); "
        f"upload the run later with: wandb sync {folder}"
    ]
    assert logger.fallback_reason.startswith("no W&B API key")
    assert len(read_run(folder).values("train/g_loss")) == 3


def test_cli_fragment_falls_back_to_offline_without_api_key(wandb_home, monkeypatch, capsys):
    """What a user without a W&B account sees: the fragment as shipped, one line, a finished run."""
    monkeypatch.delenv("WANDB_MODE", raising=False)
    monkeypatch.chdir(wandb_home)  # the fragment's save_dir (runs/) is relative
    main(
        [
            "fit",
            f"--config={CONFIGS / 'dcgan' / 'digits.yaml'}",
            f"--config={CONFIGS / 'logger' / 'wandb.yaml'}",
            *TINY_DCGAN,
            "--trainer.max_steps=2",
            "--trainer.log_every_n_steps=1",
            "--trainer.enable_progress_bar=false",
        ]
    )
    wandb.finish()
    (folder,) = Path("runs/wandb").glob("offline-run-*")
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("W&B:")]
    assert lines == [
        "W&B: logging offline, no W&B API key found (set WANDB_API_KEY or run `wandb login`); "
        f"upload the run later with: wandb sync {folder}"
    ]
    run = read_run(folder)
    assert len(run.values("train/d_loss")) == 2 and run.config["config"]["trainer"]["max_steps"] == 2


@pytest.mark.usefixtures("wandb_home")
def test_mode_choice(monkeypatch, tmp_path):
    monkeypatch.delenv("WANDB_MODE", raising=False)
    closed_port = "http://127.0.0.1:9"  # the discard port: nothing listens there
    monkeypatch.setenv("WANDB_BASE_URL", closed_port)

    assert choose_wandb_mode(None)[0] == "offline"
    assert "no W&B API key" in choose_wandb_mode(None)[1]

    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1:9\n  login user\n  password {'a' * 40}\n")
    monkeypatch.setenv("NETRC", str(netrc))
    mode, reason = choose_wandb_mode(None, probe_timeout=1)
    assert mode == "offline" and reason == f"the W&B server {closed_port} is unreachable"

    monkeypatch.setenv("NETRC", str(tmp_path / "none"))
    monkeypatch.setenv("WANDB_API_KEY", "a" * 40)
    assert choose_wandb_mode(None, probe_timeout=1)[1] == f"the W&B server {closed_port} is unreachable"

    # what the user asked for wins, without a probe or a message
    assert choose_wandb_mode(True) == ("offline", None)
    assert choose_wandb_mode(False) == ("online", None)
    monkeypatch.setenv("WANDB_MODE", "offline")
    assert choose_wandb_mode(None) == ("offline", None)
    monkeypatch.setenv("WANDB_MODE", "disabled")
    assert choose_wandb_mode(None) == ("disabled", None)


def test_falls_back_when_wandb_init_fails_online(wandb_home, monkeypatch, capsys):
    monkeypatch.setattr("lightning_gans.loggers.choose_wandb_mode", lambda offline, timeout: ("online", None))
    real_init = wandb.init

    def init(**kwargs):
        if kwargs.get("mode") == "online":
            raise wandb.errors.CommError("server said no")
        return real_init(**kwargs)

    monkeypatch.setattr(wandb, "init", init)
    logger = WandbLogger(save_dir=wandb_home)
    assert logger.experiment.settings.mode == "offline"
    assert logger.fallback_reason == "wandb.init failed online (CommError: server said no)"
    (line,) = [line for line in capsys.readouterr().err.splitlines() if line.startswith("W&B:")]
    assert line.startswith("W&B: logging offline, wandb.init failed online") and "wandb sync" in line
