"""Step metrics reach the loggers on logging steps only, as host tensors; callbacks get the losses every step."""

import csv

import pytest
import torch
from lightning.pytorch import Callback, Trainer
from lightning.pytorch.callbacks import TQDMProgressBar
from lightning.pytorch.loggers import CSVLogger

from lightning_gans import WGANGP, Toy2DDataModule, VanillaGAN


class RecordOutputs(Callback):
    def __init__(self) -> None:
        self.outputs: list[dict] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.outputs.append(outputs)


def fit(model, tmp_path, steps: int, every: int, accelerator: str = "cpu", bar=None):
    record = RecordOutputs()
    trainer = Trainer(
        accelerator=accelerator,
        max_steps=steps,
        log_every_n_steps=every,
        logger=CSVLogger(tmp_path),
        callbacks=[record] + ([bar] if bar else []),
        enable_checkpointing=False,
        enable_progress_bar=bar is not None,
        enable_model_summary=False,
    )
    trainer.fit(model, Toy2DDataModule("ring8", batch_size=8, batches_per_epoch=50))
    return trainer, record


def test_step_metrics_are_logged_on_logging_steps_only(tmp_path, monkeypatch):
    model = VanillaGAN(hidden_dims=(8,))
    calls = []
    log = model.log
    monkeypatch.setattr(model, "log", lambda name, *a, **k: calls.append(name) or log(name, *a, **k))
    trainer, record = fit(model, tmp_path, steps=7, every=3)

    assert calls == ["train/d_loss", "train/g_loss"] * 3  # batches 1 (the epoch's first), 3 and 6 of 7
    with open(next(tmp_path.rglob("metrics.csv"))) as f:
        rows = [r for r in csv.DictReader(f) if r.get("train/d_loss")]
    assert [int(r["step"]) for r in rows] == [2, 5]
    assert set(trainer.progress_bar_metrics) == {"train/d_loss", "train/g_loss"}

    assert len(record.outputs) == 7  # every step, for callbacks
    for out in record.outputs:
        assert set(out) == {"d_loss", "g_loss"}
        assert all(not v.requires_grad and torch.isfinite(v) for v in out.values())


def test_step_metrics_are_logged_when_the_progress_bar_redraws(tmp_path, monkeypatch):
    model = VanillaGAN(hidden_dims=(8,))
    calls = []
    log = model.log
    monkeypatch.setattr(model, "log", lambda name, *a, **k: calls.append(name) or log(name, *a, **k))
    fit(model, tmp_path, steps=5, every=50, bar=TQDMProgressBar(refresh_rate=2))
    assert calls == ["train/d_loss", "train/g_loss"] * 3  # batches 1, 2 and 4 of 5


def test_wgan_gp_outputs_and_logs_carry_the_penalty(tmp_path):
    model = WGANGP(data_shape=[2], hidden_dims=(8,), d_steps=2)
    trainer, record = fit(model, tmp_path, steps=2, every=1)
    assert all(set(out) == {"d_loss", "g_loss", "gp"} for out in record.outputs)
    assert {"train/d_loss", "train/g_loss", "train/gp", "train/wasserstein"} <= set(trainer.callback_metrics)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_logged_values_live_on_the_host_on_a_gpu(tmp_path):
    # a GPU tensor among the progress-bar metrics would be turned into a float after every batch: a host sync
    trainer, _ = fit(VanillaGAN(hidden_dims=(8,)), tmp_path, steps=3, every=1, accelerator="gpu")
    assert all(v.device.type == "cpu" for v in trainer.callback_metrics.values())
