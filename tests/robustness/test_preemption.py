"""SIGTERM (a cluster's pre-emption notice) ends a run promptly on every rank, after the same generator step, with
``last.ckpt`` saved at that step; ``--ckpt_path last`` resumes it (exactly, on one process)."""

from __future__ import annotations

import time

import pytest
import torch
from lightning.pytorch import Trainer
from lightning.pytorch.callbacks import ModelCheckpoint

from lightning_gans import Toy2DDataModule, VanillaGAN
from lightning_gans.preemption import EXIT_STATUS
from tests.robustness.helpers import SigtermAt, finish, fit_command, fit_subprocess, start
from tests.robustness.test_ddp import VARIANTS
from tests.robustness.test_resume import assert_same_checkpoint, fit


def test_sigterm_stops_after_the_step_and_saves_last(tmp_path, fast_trainer_kwargs):
    """In process, for the default suite: the handler, the stop and the save."""
    fast_trainer_kwargs["enable_checkpointing"] = True
    checkpoint = ModelCheckpoint(
        dirpath=tmp_path / "ckpt", save_last=True, save_top_k=0, every_n_train_steps=5
    )
    model = VanillaGAN(data_shape=[2], hidden_dims=(8,))
    trainer = Trainer(max_steps=50, callbacks=[checkpoint, SigtermAt(step=7)], **fast_trainer_kwargs)
    trainer.fit(model, Toy2DDataModule(batch_size=16, batches_per_epoch=4))
    assert model.preempted and trainer.global_step == 7
    assert torch.load(tmp_path / "ckpt" / "last.ckpt", weights_only=True)["global_step"] == 7


@pytest.mark.slow
def test_sigterm_then_resume_matches_an_uninterrupted_run(tmp_path):
    (full := tmp_path / "full").mkdir()
    (stopped := tmp_path / "stopped").mkdir()
    result = fit(full, "wgan_gp_ring8")
    assert result.returncode == 0, result.stderr[-3000:]

    result = fit(
        stopped, "wgan_gp_ring8", "--trainer.callbacks+=helpers.SigtermAt", "--trainer.callbacks.step=13"
    )
    assert result.returncode == EXIT_STATUS, result.stderr[-3000:]
    assert "Received SIGTERM: stopped after generator step 13" in result.stderr
    last = stopped / "checkpoints" / "last.ckpt"
    assert torch.load(last, weights_only=True)["global_step"] == 13  # saved at the signal, not at step 10

    result = fit(stopped, "wgan_gp_ring8", "--ckpt_path=last")
    assert result.returncode == 0, result.stderr[-3000:]
    assert_same_checkpoint(
        torch.load(full / "checkpoints" / "last.ckpt", weights_only=True), torch.load(last, weights_only=True)
    )


# a grid every 2 steps, so these runs also hang when a callback enters a collective on rank 0 only
SAMPLE_GRID = ["--trainer.callbacks+=lightning_gans.SampleGrid", "--trainer.callbacks.every_n_steps=2"]


def ddp_fit(run, *extra: str, **kwargs):
    return fit_subprocess(
        run,
        *VARIANTS["vanilla"],
        "--trainer.strategy=ddp",
        "--trainer.devices=2",
        f"--trainer.default_root_dir={run}",
        "--trainer.callbacks+=lightning.pytorch.callbacks.ModelCheckpoint",
        "--trainer.callbacks.save_last=true",
        "--trainer.callbacks.save_top_k=0",
        "--trainer.callbacks.every_n_train_steps=100",
        *SAMPLE_GRID,
        "--trainer.callbacks+=helpers.DumpParameters",
        f"--trainer.callbacks.folder={run}",
        *extra,
        **kwargs,
    )


@pytest.mark.slow
def test_sigterm_to_one_rank_stops_every_rank_after_the_same_step(tmp_path):
    # the signal reaches rank 1 only: rank 0 learns of it through the step's all-reduce
    result = ddp_fit(
        tmp_path,
        "--trainer.max_steps=1000",
        "--trainer.callbacks+=helpers.SigtermAt",
        "--trainer.callbacks.step=3",
        "--trainer.callbacks.rank=1",
        timeout=300,
    )
    assert result.returncode == EXIT_STATUS, result.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert [r["global_step"] for r in ranks] == [3, 3]
    assert all(torch.equal(v, ranks[1]["parameters"][k]) for k, v in ranks[0]["parameters"].items())
    last = tmp_path / "checkpoints" / "last.ckpt"
    assert torch.load(last, weights_only=True)["global_step"] == 3

    result = ddp_fit(tmp_path, "--trainer.max_steps=5", "--ckpt_path=last", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert torch.load(last, weights_only=True)["global_step"] == 5


@pytest.mark.slow
def test_sigterm_from_outside_ends_a_ddp_run_promptly(tmp_path):
    """As a scheduler does it: SIGTERM to the job's main process (rank 0, which launched rank 1)."""
    marker = tmp_path / "started"
    command = fit_command(
        *VARIANTS["vanilla"],
        "--trainer.strategy=ddp",
        "--trainer.devices=2",
        "--trainer.max_steps=1000000",
        f"--trainer.default_root_dir={tmp_path}",
        "--trainer.callbacks+=lightning.pytorch.callbacks.ModelCheckpoint",
        "--trainer.callbacks.save_last=true",
        *SAMPLE_GRID,
        "--trainer.callbacks+=helpers.MarkStep",
        f"--trainer.callbacks.path={marker}",
    )
    process = start(command, tmp_path)
    deadline = time.monotonic() + 300
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marker.exists(), finish(process, 10).stderr[-3000:]
    process.terminate()  # SIGTERM
    sent = time.monotonic()
    result = finish(process, timeout=60)  # every rank has exited when the output pipes close
    assert result.returncode == EXIT_STATUS, result.stderr[-3000:]
    assert time.monotonic() - sent < 60
    step = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)["global_step"]
    assert step >= 1
    assert f"stopped after generator step {step}" in result.stderr
