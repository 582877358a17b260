"""The GAN progress bar: one bar for the run in generator steps, short loss names, default in the CLI, a resumed
run starts at its step, and out of the way when asked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lightning.pytorch import Trainer
from lightning.pytorch.callbacks import ModelCheckpoint, RichProgressBar
from lightning.pytorch.loggers import CSVLogger

from lightning_gans import DCGAN, DigitsDataModule
from lightning_gans.callbacks.progress import GANProgressBar
from lightning_gans.cli import GANCLI

BASE = Path(__file__).parents[2] / "configs" / "dcgan" / "digits.yaml"
BAR = re.compile(r"(\d+)/(\d+) \[")


class DCGANWithAccuracy(DCGAN):
    def step_metrics(self, real_logits, fake_logits):  # logged under train/ without prog_bar
        return {"real_acc": (real_logits > 0).float().mean()}


def tiny_dcgan(cls=DCGAN) -> DCGAN:
    return cls(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8)


def bar_states(text: str) -> list[tuple[int, int]]:
    """Every ``n/total`` a tqdm bar drew (redraws are separated by carriage returns)."""
    return [(int(n), int(total)) for n, total in BAR.findall(text)]


def test_shows_d_loss_and_g_loss_without_v_num(tmp_path):
    seen = []

    class Spy(GANProgressBar):
        def get_metrics(self, trainer, pl_module):
            items = super().get_metrics(trainer, pl_module)
            seen.append(items)
            return items

    trainer = Trainer(
        max_steps=2,
        accelerator="cpu",
        logger=CSVLogger(tmp_path),  # a logger adds v_num to Lightning's bar
        log_every_n_steps=1,
        callbacks=[Spy(refresh_rate=1, keys=["train/real_acc"])],
        enable_checkpointing=False,
        enable_model_summary=False,
    )
    trainer.fit(tiny_dcgan(DCGANWithAccuracy), DigitsDataModule(image_size=16, batch_size=16))
    assert seen and set(seen[-1]) == {"d_loss", "g_loss", "real_acc"}
    assert all(isinstance(v, float) for v in seen[-1].values())


def fit(tmp_path, max_steps: int, ckpt_path=None, callbacks=()) -> Trainer:
    trainer = Trainer(
        max_steps=max_steps,
        accelerator="cpu",
        default_root_dir=tmp_path,
        logger=False,
        callbacks=[GANProgressBar(refresh_rate=5), *callbacks],
        enable_checkpointing=bool(callbacks),
        enable_model_summary=False,
    )
    # 16 batches an epoch (1,437 train images / 96): max_steps > 16 crosses an epoch boundary
    trainer.fit(tiny_dcgan(), DigitsDataModule(image_size=16, batch_size=96), ckpt_path=ckpt_path)
    return trainer


def test_one_bar_for_the_run_across_epochs(tmp_path, capsys):
    trainer = fit(tmp_path, max_steps=40)
    assert trainer.current_epoch >= 2  # the run spanned epochs
    states = bar_states(capsys.readouterr().err)
    assert states and {total for _, total in states} == {40}  # one bar, in generator steps out of max_steps
    assert states[0][0] == 0 and states[-1][0] == 40
    assert [n for n, _ in states] == sorted(n for n, _ in states)  # never restarts
    assert "Epoch" not in capsys.readouterr().err


def test_resumed_run_starts_at_its_step(tmp_path, capsys):
    ckpt = ModelCheckpoint(dirpath=tmp_path / "ckpt", save_last=True, save_top_k=0, every_n_train_steps=20)
    fit(tmp_path, max_steps=20, callbacks=[ckpt])
    capsys.readouterr()
    fit(tmp_path, max_steps=30, ckpt_path=str(tmp_path / "ckpt" / "last.ckpt"), callbacks=[ckpt])
    states = bar_states(capsys.readouterr().err)
    assert states[0] == (20, 30) and states[-1] == (30, 30)


def test_warns_when_the_run_is_shorter_than_the_logging_interval(tmp_path):
    """A real mistake (nothing would reach the loggers) still warns, although Lightning's per-epoch version of
    the warning is filtered."""
    trainer = Trainer(
        max_steps=5,
        accelerator="cpu",
        logger=CSVLogger(tmp_path),
        log_every_n_steps=50,
        callbacks=[GANProgressBar()],
        enable_checkpointing=False,
        enable_model_summary=False,
    )
    with pytest.warns(UserWarning, match="fewer than Trainer\\(log_every_n_steps=50\\)"):
        trainer.fit(tiny_dcgan(), DigitsDataModule(image_size=16, batch_size=16))


def cli(*args: str) -> GANCLI:
    return GANCLI(args=[f"--config={BASE}", "--trainer.logger=false", *args], run=False)


def test_cli_default_and_overrides(tmp_path):
    root = f"--trainer.default_root_dir={tmp_path}"
    assert isinstance(cli(root).trainer.progress_bar_callback, GANProgressBar)
    assert cli(root, "--trainer.enable_progress_bar=false").trainer.progress_bar_callback is None
    own = cli(root, "--trainer.callbacks+=lightning.pytorch.callbacks.RichProgressBar")
    assert isinstance(own.trainer.progress_bar_callback, RichProgressBar)
    assert sum(isinstance(c, GANProgressBar) for c in own.trainer.callbacks) == 0
