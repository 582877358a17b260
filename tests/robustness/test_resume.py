"""Exact resume: a run killed with SIGKILL and resumed with ``--ckpt_path last`` ends with the same parameters,
optimizer states and counters as an uninterrupted run of the same seed (CPU, deterministic settings).

What makes it exact: Lightning restores counters and optimizer states; the GAN saves torch/numpy/Python RNG
states in the checkpoint and restores them at train start; the loaders report how many batches of the epoch were
consumed and skip them on resume; toy batches draw from their own per-batch generator, not the global RNG.
"""

from __future__ import annotations

import signal
import subprocess
from functools import partial
from pathlib import Path

import pytest
import torch
from lightning.pytorch import Callback, Trainer, seed_everything
from lightning.pytorch.callbacks import ModelCheckpoint
from torch.optim.lr_scheduler import LinearLR, StepLR

from lightning_gans import DCGAN, WGANGP, DigitsDataModule, Toy2DDataModule
from tests.robustness.helpers import fit_subprocess


def assert_same_checkpoint(a: dict, b: dict) -> None:
    assert a["global_step"] == b["global_step"] and a["epoch"] == b["epoch"]
    assert a["state_dict"].keys() == b["state_dict"].keys()
    differing = [k for k in a["state_dict"] if not torch.equal(a["state_dict"][k], b["state_dict"][k])]
    assert not differing, f"weights differ after resume: {differing[:5]}"
    for opt_a, opt_b in zip(a["optimizer_states"], b["optimizer_states"], strict=True):
        assert [g["lr"] for g in opt_a["param_groups"]] == [g["lr"] for g in opt_b["param_groups"]]
        for key, state in opt_a["state"].items():
            for name, value in state.items():
                assert torch.equal(torch.as_tensor(value), torch.as_tensor(opt_b["state"][key][name])), name
    assert a.get("lr_schedulers") == b.get("lr_schedulers")
    assert (
        a["loops"]["fit_loop"]["epoch_loop.batch_progress"]
        == b["loops"]["fit_loop"]["epoch_loop.batch_progress"]
    )


CLI_VARIANTS = {
    # 11 batches per epoch: the kill (step 13) and the checkpoint it resumes from (step 10) are mid-epoch 1
    "dcgan_digits": [
        "--model=lightning_gans.DCGAN",
        "--model.data_shape=[1,16,16]",
        "--model.latent_dim=8",
        "--model.generator_width=8",
        "--model.discriminator_width=8",
        "--data=lightning_gans.DigitsDataModule",
        "--data.image_size=16",
        "--data.batch_size=128",
    ],
    # toys drawn per batch; 2 critic steps per generator step; epochs of 4 batches
    "wgan_gp_ring8": [
        "--model=lightning_gans.WGANGP",
        "--model.data_shape=[2]",
        "--model.hidden_dims=[32]",
        "--model.d_steps=2",
        "--data=lightning_gans.Toy2DDataModule",
        "--data.batch_size=64",
        "--data.batches_per_epoch=4",
    ],
}


def fit(run: Path, variant: str, *extra: str) -> subprocess.CompletedProcess:
    return fit_subprocess(
        run,
        *CLI_VARIANTS[variant],
        "--trainer.deterministic=true",
        "--trainer.max_steps=20",
        f"--trainer.default_root_dir={run}",
        "--trainer.callbacks+=lightning.pytorch.callbacks.ModelCheckpoint",
        f"--trainer.callbacks.dirpath={run / 'checkpoints'}",
        "--trainer.callbacks.save_last=true",
        "--trainer.callbacks.save_top_k=0",
        "--trainer.callbacks.every_n_train_steps=5",
        *extra,
    )


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(CLI_VARIANTS))
def test_sigkill_then_resume_matches_an_uninterrupted_run(tmp_path, variant):
    (full := tmp_path / "full").mkdir()
    (crashed := tmp_path / "crashed").mkdir()
    result = fit(full, variant)
    assert result.returncode == 0, result.stderr[-3000:]

    result = fit(crashed, variant, "--trainer.callbacks+=helpers.SigkillAt", "--trainer.callbacks.step=13")
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]
    last = crashed / "checkpoints" / "last.ckpt"
    assert torch.load(last, weights_only=True)["global_step"] == 10  # the last save before the kill

    result = fit(crashed, variant, "--ckpt_path=last")
    assert result.returncode == 0, result.stderr[-3000:]
    assert_same_checkpoint(
        torch.load(full / "checkpoints" / "last.ckpt", weights_only=True),
        torch.load(last, weights_only=True),
    )


class SimulatedCrash(RuntimeError):
    pass


class CrashAt(Callback):
    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step == self.step:
            raise SimulatedCrash  # Lightning stops without saving, like a crash


@pytest.mark.parametrize("variant", ["dcgan", "wgan_gp"])
def test_resume_in_process_is_exact(tmp_path, variant):
    """The quick version for the default suite: crash by an exception at step 7, resume from step 6."""

    def run(folder: Path, ckpt_path=None, crash_at=None) -> dict:
        seed_everything(0)
        if variant == "dcgan":
            model = DCGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8)
            data = DigitsDataModule(image_size=16, batch_size=256)  # 5 batches per epoch
        else:
            # with learning-rate schedules: their states and the optimizers' current lrs must resume too
            model = WGANGP(
                data_shape=[2],
                hidden_dims=(16,),
                d_steps=2,
                generator_scheduler=partial(LinearLR, start_factor=1.0, end_factor=0.1, total_iters=12),
                discriminator_scheduler=partial(StepLR, step_size=4, gamma=0.5),
            )
            data = Toy2DDataModule("ring8", batch_size=32, batches_per_epoch=3)
        checkpoint = ModelCheckpoint(
            dirpath=folder / "checkpoints", save_last=True, save_top_k=0, every_n_train_steps=3
        )
        callbacks = [checkpoint] + ([CrashAt(crash_at)] if crash_at else [])
        trainer = Trainer(
            accelerator="cpu",
            max_steps=12,
            deterministic=True,
            logger=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            callbacks=callbacks,
            default_root_dir=folder,
        )
        if crash_at:
            with pytest.raises(SimulatedCrash):
                trainer.fit(model, data, ckpt_path=ckpt_path)
        else:
            trainer.fit(model, data, ckpt_path=ckpt_path)
        return torch.load(folder / "checkpoints" / "last.ckpt", weights_only=True)

    full = run(tmp_path / "full")
    crashed = run(tmp_path / "crashed", crash_at=7)
    assert crashed["global_step"] == 6
    resumed = run(tmp_path / "crashed", ckpt_path="last")
    assert resumed["global_step"] == full["global_step"] == 12
    assert_same_checkpoint(full, resumed)
    if variant == "wgan_gp":  # the schedules did run: 12 generator steps -> last lr factors 0.1 and 0.5**3
        lrs = [g["lr"] for opt in full["optimizer_states"] for g in opt["param_groups"]]
        assert lrs == pytest.approx([1e-4 * 0.1, 1e-4 * 0.125])
