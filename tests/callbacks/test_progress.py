"""The GAN progress bar: short loss names, no v_num, default in the CLI, and out of the way when asked."""

from __future__ import annotations

from pathlib import Path

from lightning.pytorch import Trainer
from lightning.pytorch.callbacks import RichProgressBar
from lightning.pytorch.loggers import CSVLogger

from lightning_gans import DCGAN, DigitsDataModule
from lightning_gans.callbacks.progress import GANProgressBar
from lightning_gans.cli import GANCLI

BASE = Path(__file__).parents[2] / "configs" / "dcgan" / "digits.yaml"


class DCGANWithAccuracy(DCGAN):
    def step_metrics(self, real_logits, fake_logits):  # logged under train/ without prog_bar
        return {"real_acc": (real_logits > 0).float().mean()}


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
        callbacks=[Spy(refresh_rate=1, keys=["train/real_acc"])],
        enable_checkpointing=False,
        enable_model_summary=False,
    )
    trainer.fit(
        DCGANWithAccuracy(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8),
        DigitsDataModule(image_size=16, batch_size=16),
    )
    assert seen and set(seen[-1]) == {"d_loss", "g_loss", "real_acc"}
    assert all(isinstance(v, float) for v in seen[-1].values())


def cli(*args: str) -> GANCLI:
    return GANCLI(args=[f"--config={BASE}", "--trainer.logger=false", *args], run=False)


def test_cli_default_and_overrides(tmp_path):
    root = f"--trainer.default_root_dir={tmp_path}"
    assert isinstance(cli(root).trainer.progress_bar_callback, GANProgressBar)
    assert cli(root, "--trainer.enable_progress_bar=false").trainer.progress_bar_callback is None
    own = cli(root, "--trainer.callbacks+=lightning.pytorch.callbacks.RichProgressBar")
    assert isinstance(own.trainer.progress_bar_callback, RichProgressBar)
    assert sum(isinstance(c, GANProgressBar) for c in own.trainer.callbacks) == 0
