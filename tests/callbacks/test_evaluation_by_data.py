"""The Evaluation callback chooses its metrics by the data: a user's own 2-D data module (defined here, unknown
to the library) trains with a shipped toy config and gets vector metrics; image data without Inception weights
stop at start-up with a one-line error, before any training step."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
import yaml
from lightning.pytorch import LightningDataModule, Trainer
from torch.utils.data import DataLoader, TensorDataset

from lightning_gans import DCGAN, Evaluation
from lightning_gans.cli import GANCLI, main
from lightning_gans.errors import MissingWeightsError
from lightning_gans.metrics.image import INCEPTION_WEIGHTS_ENV, INCEPTION_WEIGHTS_FILE, inception_weights_path
from tests.metrics.random_inception import random_inception_weights_file

REPO = Path(__file__).resolve().parents[2]
MODULE = "tests.callbacks.test_evaluation_by_data"


class TwoMoons(LightningDataModule):
    """A user's 2-D data: scikit-learn's two moons. No ``data_shape``: the sample shape comes from the model."""

    def __init__(self, batch_size: int = 64, num_points: int = 2000) -> None:
        super().__init__()
        self.batch_size = batch_size
        self.num_points = num_points

    def train_dataloader(self) -> DataLoader:
        from sklearn.datasets import make_moons

        points, _ = make_moons(self.num_points, noise=0.05, random_state=0)
        return DataLoader(
            TensorDataset(torch.as_tensor(points, dtype=torch.float32)),
            batch_size=self.batch_size,
            shuffle=True,
        )


class TinyImages(LightningDataModule):
    """A user's image data (not the digits): Inception would be its feature network."""

    data_shape = (1, 16, 16)

    def train_dataloader(self) -> DataLoader:
        images = torch.rand(64, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
        return DataLoader(TensorDataset(images), batch_size=16)


@pytest.fixture
def no_inception_weights(monkeypatch, tmp_path):
    """A machine without the weights: no variable, an empty torch hub cache."""
    monkeypatch.delenv(INCEPTION_WEIGHTS_ENV, raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))


def test_own_2d_data_module_with_the_shipped_ring8_config_gets_vector_metrics(tmp_path, no_inception_weights):
    cli = GANCLI(
        args=[
            f"--config={REPO / 'configs/vanilla_gan/ring8.yaml'}",
            f"--data={MODULE}.TwoMoons",
            "--data.batch_size=64",
            "--trainer.max_steps=4",
            f"--trainer.default_root_dir={tmp_path}",
            "--trainer.logger=false",
            "--trainer.enable_progress_bar=false",
            "--trainer.enable_model_summary=false",
            "--trainer.accelerator=cpu",
        ],
        run=False,
    )
    assert type(cli.datamodule).__name__ == "TwoMoons"
    (evaluation,) = [c for c in cli.trainer.callbacks if isinstance(c, Evaluation)]
    evaluation.every_n_steps, evaluation.num_samples = 2, 200  # the config's cadence, cut to a few steps
    cli.trainer.fit(cli.model, datamodule=cli.datamodule)
    assert [h["step"] for h in evaluation.history] == [2, 4]
    assert set(evaluation.last) == {"precision", "recall", "density", "coverage", "energy"}
    assert all(0 <= evaluation.last[k] <= 1 for k in ("precision", "recall", "coverage"))
    assert evaluation.last["energy"] > 0
    assert evaluation.data == {"kind": "vectors", "name": "TwoMoons", "image_size": None}
    evaluator = evaluation.evaluator
    assert evaluator.image_metrics is None and evaluator.feature_network == "none"  # never Inception
    assert evaluator.num_real_used == 200  # as many real points as samples
    assert "raw vectors" in evaluator.protocol()["feature network"]


def test_missing_inception_weights_stop_at_start_up(fast_trainer_kwargs, no_inception_weights):
    model = DCGAN(data_shape=(1, 16, 16), latent_dim=8, generator_width=8, discriminator_width=8)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    trainer = Trainer(**fast_trainer_kwargs, max_steps=2, callbacks=[Evaluation(every_n_steps=1)])
    with pytest.raises(MissingWeightsError, match=INCEPTION_WEIGHTS_ENV) as error:
        trainer.fit(model, datamodule=TinyImages())
    assert "\n" not in str(error.value)
    assert trainer.global_step == 0  # no training step ran
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_missing_inception_weights_cli_prints_one_line(tmp_path, capsys, no_inception_weights):
    config = {
        "trainer": {
            "max_steps": 2,
            "accelerator": "cpu",
            "logger": False,
            "enable_checkpointing": False,
            "enable_progress_bar": False,
            "default_root_dir": str(tmp_path),
            "callbacks": [{"class_path": "lightning_gans.Evaluation", "init_args": {"every_n_steps": 1}}],
        },
        "model": {
            "class_path": "lightning_gans.DCGAN",
            "init_args": {"data_shape": [1, 16, 16], "latent_dim": 8, "generator_width": 8},
        },
        "data": {"class_path": f"{MODULE}.TinyImages"},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", f"--config={path}"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("lightning-gans: error: ") and INCEPTION_WEIGHTS_ENV in err[-1]
    assert not any("Traceback" in line for line in err)


def test_weights_in_the_torch_hub_cache_are_found(tmp_path, no_inception_weights):
    with pytest.raises(MissingWeightsError, match=INCEPTION_WEIGHTS_ENV):
        inception_weights_path()
    cached = tmp_path / "torch_home" / "hub" / "checkpoints" / INCEPTION_WEIGHTS_FILE
    cached.parent.mkdir(parents=True)
    shutil.copy(random_inception_weights_file(), cached)  # where torch-fidelity's download would have put it
    assert inception_weights_path() == str(cached)
    evaluation = Evaluation(every_n_steps=0, metrics=["fid"])
    trainer = Trainer(accelerator="cpu", logger=False, max_steps=1)
    trainer.datamodule = TinyImages()
    assert evaluation.build_evaluator(trainer).feature_network == "inception"  # no error: the cache will do
