"""The configs' ModelCheckpoint through the CLI: checkpoints follow the run folder (``default_root_dir``),
`--ckpt_path last` resumes the run it names and no other; checkpointing can be turned off."""

from __future__ import annotations

from pathlib import Path

import torch
import yaml

from lightning_gans.cli import GANCLI

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "wgan_gp" / "ring8.yaml"


def args(tmp_path, *extra: str, run: str = "run") -> list[str]:
    """The shipped config with a checkpoint every 2 steps instead of every few hundred, run folder ``run``."""
    config = yaml.safe_load(CONFIG.read_text())
    (checkpoint,) = [c for c in config["trainer"]["callbacks"] if c["class_path"].endswith("ModelCheckpoint")]
    assert checkpoint["init_args"]["save_last"] is True
    checkpoint["init_args"]["every_n_train_steps"] = 2
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return [
        "fit",
        f"--config={path}",
        f"--trainer.default_root_dir={tmp_path / run}",
        "--trainer.accelerator=cpu",
        "--trainer.logger=false",
        "--trainer.enable_progress_bar=false",
        "--data.batch_size=32",
        *extra,
    ]


def global_step(path: Path) -> int:
    return torch.load(path, weights_only=True)["global_step"]


def test_ckpt_path_last_resumes_the_config_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    GANCLI(args=args(tmp_path, "--trainer.max_steps=2"))
    last = tmp_path / "run" / "checkpoints" / "last.ckpt"  # <default_root_dir>/checkpoints
    assert global_step(last) == 2
    cli = GANCLI(args=args(tmp_path, "--trainer.max_steps=4", "--ckpt_path=last"))
    assert cli.trainer.global_step == 4
    assert global_step(last) == 4
    assert not (tmp_path / "runs").exists()  # nothing relative to the working directory


def test_two_runs_of_one_config_keep_their_own_checkpoints(tmp_path, monkeypatch):
    # two seeds of one config, each with its own run folder; b is the newer run
    monkeypatch.chdir(tmp_path)
    GANCLI(args=args(tmp_path, "--trainer.max_steps=2", "--seed_everything=1", run="seed1"))
    GANCLI(args=args(tmp_path, "--trainer.max_steps=4", "--seed_everything=2", run="seed2"))
    last1, last2 = (tmp_path / run / "checkpoints" / "last.ckpt" for run in ("seed1", "seed2"))
    assert (global_step(last1), global_step(last2)) == (2, 4)
    # `--ckpt_path last` of seed1 resumes seed1 (step 2), not the newest checkpoint of the config (seed2's)
    cli = GANCLI(args=args(tmp_path, "--trainer.max_steps=3", "--ckpt_path=last", run="seed1"))
    assert cli.trainer.global_step == 3
    assert (global_step(last1), global_step(last2)) == (3, 4)


def test_a_fresh_run_in_a_used_folder_does_not_overwrite_its_checkpoint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    GANCLI(args=args(tmp_path, "--trainer.max_steps=4"))
    GANCLI(args=args(tmp_path, "--trainer.max_steps=2"))  # no --ckpt_path: a new run
    folder = tmp_path / "run" / "checkpoints"
    assert global_step(folder / "last.ckpt") == 4
    assert global_step(folder / "last-v1.ckpt") == 2
    # and `--ckpt_path last` takes the newer of the two
    cli = GANCLI(args=args(tmp_path, "--trainer.max_steps=3", "--ckpt_path=last"))
    assert cli.trainer.global_step == 3 and global_step(folder / "last-v1.ckpt") == 3


def test_enable_checkpointing_false_drops_the_configs_model_checkpoint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cli = GANCLI(args=args(tmp_path, "--trainer.max_steps=2", "--trainer.enable_checkpointing=false"))
    assert cli.trainer.global_step == 2
    assert not list(tmp_path.rglob("*.ckpt"))
