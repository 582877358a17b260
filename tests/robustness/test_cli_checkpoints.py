"""The configs' ModelCheckpoint through the CLI: `--ckpt_path last` finds it; checkpointing can be turned off."""

from __future__ import annotations

from pathlib import Path

import torch
import yaml

from lightning_gans.cli import GANCLI

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "wgan_gp" / "ring8.yaml"


def args(tmp_path, *extra: str) -> list[str]:
    """The shipped config with a checkpoint every 2 steps instead of every few hundred."""
    config = yaml.safe_load(CONFIG.read_text())
    (checkpoint,) = [c for c in config["trainer"]["callbacks"] if c["class_path"].endswith("ModelCheckpoint")]
    assert checkpoint["init_args"]["save_last"] is True
    checkpoint["init_args"]["every_n_train_steps"] = 2
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return [
        "fit",
        f"--config={path}",
        f"--trainer.default_root_dir={tmp_path / 'run'}",
        "--trainer.accelerator=cpu",
        "--trainer.logger=false",
        "--trainer.enable_progress_bar=false",
        "--data.batch_size=32",
        *extra,
    ]


def test_ckpt_path_last_resumes_the_config_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the config's dirpath runs/wgan_gp_ring8/checkpoints is relative
    GANCLI(args=args(tmp_path, "--trainer.max_steps=2"))
    last = tmp_path / "runs" / "wgan_gp_ring8" / "checkpoints" / "last.ckpt"
    assert torch.load(last, weights_only=True)["global_step"] == 2
    cli = GANCLI(args=args(tmp_path, "--trainer.max_steps=4", "--ckpt_path=last"))
    assert cli.trainer.global_step == 4
    assert torch.load(last, weights_only=True)["global_step"] == 4


def test_enable_checkpointing_false_drops_the_configs_model_checkpoint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cli = GANCLI(args=args(tmp_path, "--trainer.max_steps=2", "--trainer.enable_checkpointing=false"))
    assert cli.trainer.global_step == 2
    assert not list(tmp_path.rglob("*.ckpt"))
