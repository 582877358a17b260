"""The TensorBoard and CSV config fragments: a CLI run writes the files, and they read back."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from lightning_gans.cli import main
from tests.loggers.tiny_dcgan import CONFIGS, TINY_DCGAN


def fit_with(fragment: str, save_dir: Path) -> None:
    main(
        [
            "fit",
            f"--config={CONFIGS / 'dcgan' / 'digits.yaml'}",
            f"--config={CONFIGS / 'logger' / fragment}",
            *TINY_DCGAN,
            "--trainer.max_steps=4",
            "--trainer.log_every_n_steps=1",
            "--trainer.enable_progress_bar=false",
            "--trainer.enable_model_summary=false",
            f"--trainer.default_root_dir={save_dir}",
            f"--trainer.logger.init_args.save_dir={save_dir}",
        ]
    )


def test_tensorboard_scalars_images_and_config(tmp_path):
    fit_with("tensorboard.yaml", tmp_path)
    (run,) = (tmp_path / "lightning-gans").glob("version_*")
    events = EventAccumulator(str(run), size_guidance={"images": 0, "scalars": 0})
    events.Reload()

    for key in ("train/d_loss", "train/g_loss"):
        values = events.Scalars(key)
        assert [v.step for v in values] == [0, 1, 2, 3]
        assert all(np.isfinite(v.value) and v.value > 0 for v in values)

    (picture,) = events.Images("samples")  # SampleGrid at the end (every_n_steps=500 > max_steps)
    assert picture.step == 4 and (picture.width, picture.height) == (8 * 18 + 2, 8 * 18 + 2)
    assert (run / "samples" / "final.png").exists() and (run / "config.yaml").exists()
    hparams = (run / "hparams.yaml").read_text()
    assert "latent_dim: 8" in hparams and "max_steps: 4" in hparams  # model hparams and the whole config


def test_csv_metrics_and_hparams(tmp_path):
    fit_with("csv.yaml", tmp_path)
    (run,) = (tmp_path / "lightning-gans").glob("version_*")
    with open(run / "metrics.csv") as f:
        rows = [r for r in csv.DictReader(f) if r.get("train/d_loss")]
    assert [int(r["step"]) for r in rows] == [0, 1, 2, 3]
    assert all(float(r["train/d_loss"]) > 0 and float(r["train/g_loss"]) > 0 for r in rows)
    hparams = (run / "hparams.yaml").read_text()
    assert "latent_dim: 8" in hparams and "max_steps: 4" in hparams
    # CSV takes no images: the grid is a PNG in the run folder
    assert Image.open(run / "samples" / "final.png").size == (8 * 18 + 2, 8 * 18 + 2)
