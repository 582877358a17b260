"""The Evaluation callback: logs val/* at its cadence, keeps its networks out of checkpoints."""

from __future__ import annotations

from unittest import mock

import pytest
import torch
from lightning.pytorch import LightningDataModule, Trainer
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger
from torch.utils.data import DataLoader, TensorDataset

from lightning_gans import DCGAN, DigitsDataModule, Toy2DDataModule, VanillaGAN
from lightning_gans.callbacks.evaluation import Evaluation, evaluation_data
from lightning_gans.checkpoint import load_gan
from tests.metrics.random_inception import random_inception_weights_file


@pytest.fixture(scope="module")
def inception_weights():
    return random_inception_weights_file()


class TinyImages(LightningDataModule):
    """Some other image data (not the digits): real statistics come from its train loader, ``num_real`` images."""

    data_shape = (1, 16, 16)

    def train_dataloader(self):
        images = torch.rand(64, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
        return DataLoader(TensorDataset(images), batch_size=16)


def small_dcgan() -> DCGAN:
    return DCGAN(data_shape=(1, 16, 16), latent_dim=8, generator_width=8, discriminator_width=8)


def test_toy_metrics_logged_at_cadence(fast_trainer_kwargs, tmp_path):
    torch.manual_seed(0)
    evaluation = Evaluation(every_n_steps=3, num_samples=300)
    logger = CSVLogger(tmp_path, name="csv")
    trainer = Trainer(
        **(fast_trainer_kwargs | {"logger": logger}),
        max_steps=7,
        callbacks=[evaluation],
        log_every_n_steps=100,
    )
    model = VanillaGAN(latent_dim=4, hidden_dims=(16, 16))
    state_before = torch.random.get_rng_state()
    trainer.fit(model, datamodule=Toy2DDataModule("ring8", batch_size=32, batches_per_epoch=100))
    assert state_before is not None
    assert [h["step"] for h in evaluation.history] == [3, 6, 7]  # cadence in generator steps, plus the end
    # the toys' mode metrics and the vector metrics every vector data set gets
    assert set(evaluation.last) == {
        "modes",
        "hq",
        "reverse_kl",
        "precision",
        "recall",
        "density",
        "coverage",
        "energy",
    }
    assert 0 <= evaluation.last["modes"] <= 8 and 0 <= evaluation.last["hq"] <= 1
    assert float(trainer.callback_metrics["val/modes"]) == evaluation.last["modes"]
    logger.save()
    logged = (tmp_path / "csv" / "version_0" / "metrics.csv").read_text()
    assert "val/modes" in logged and "val/hq" in logged and "val/reverse_kl" in logged


def test_evaluation_is_repeatable_and_leaves_training_rng_alone():
    model = VanillaGAN(latent_dim=4, hidden_dims=(16,))
    evaluation = Evaluation(num_samples=100)
    trainer = mock.Mock(datamodule=Toy2DDataModule("grid25"), is_global_zero=True, global_step=0, loggers=[])
    trainer.callback_metrics = {}
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    first = evaluation.evaluate(trainer, model)
    assert torch.rand(1) == expected_next
    assert evaluation.evaluate(trainer, model) == first


def test_digits_metrics(fast_trainer_kwargs):
    torch.manual_seed(0)
    evaluation = Evaluation(every_n_steps=0, num_samples=64, batch_size=32)
    trainer = Trainer(**fast_trainer_kwargs, max_steps=2, callbacks=[evaluation])
    trainer.fit(small_dcgan(), datamodule=DigitsDataModule(image_size=16, batch_size=16))
    assert [h["step"] for h in evaluation.history] == [2]
    assert set(evaluation.last) == {
        *("fid", "kid", "kid_std", "class_kl", "classes"),
        *("precision", "recall", "density", "coverage", "memorization"),
    }
    assert evaluation.last["fid"] > 0 and evaluation.last["class_kl"] >= 0
    assert "digits CNN" in evaluation.evaluator.protocol()["feature network"]
    assert evaluation.evaluator.num_real_used == 1437  # the whole digits train split


def test_checkpoint_with_fid_holds_no_inception_weights(fast_trainer_kwargs, tmp_path, inception_weights):
    torch.manual_seed(0)
    evaluation = Evaluation(
        every_n_steps=2,
        num_samples=16,
        feature_network="inception",
        metrics=["fid"],
        inception_weights=inception_weights,
        inception_feature_dim=64,  # the whole network is loaded; only its first layers run (fast on CPU)
        num_real=32,
        batch_size=16,
    )
    checkpoints = ModelCheckpoint(dirpath=tmp_path / "ckpt", save_last=True)
    trainer = Trainer(
        **(fast_trainer_kwargs | {"enable_checkpointing": True}),
        max_steps=2,
        callbacks=[evaluation, checkpoints],
    )
    model = small_dcgan()
    trainer.fit(model, datamodule=TinyImages())
    assert "fid" in evaluation.last and evaluation.evaluator.image_metrics is not None
    assert evaluation.evaluator.num_real_used == 32
    assert "InceptionV3" in evaluation.evaluator.protocol()["feature network"]
    path = tmp_path / "ckpt" / "last.ckpt"
    checkpoint = torch.load(path, weights_only=True)
    keys = list(checkpoint["state_dict"])
    assert keys and set(keys) == set(model.state_dict())  # the GAN's own networks, nothing the callback holds
    assert not any("inception" in k.lower() or "Mixed_" in k for k in keys)
    # the whole file is far smaller than Inception's ~90 MB of weights
    assert path.stat().st_size < 2_000_000
    assert evaluation_data(checkpoint) == {"kind": "images", "name": "TinyImages", "image_size": 16}
    restored = load_gan(path)
    assert set(restored.state_dict()) == set(model.state_dict())
