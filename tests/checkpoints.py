"""Tiny trained checkpoints (DCGAN, conditional DCGAN, InfoGAN, ClusterGAN, BiGAN) shared by the tool and command tests (fixtures
registered in tests/conftest.py)."""

from __future__ import annotations

import numpy as np
import pytest
from lightning.pytorch import Trainer
from lightning.pytorch.callbacks import ModelCheckpoint

from lightning_gans import DCGAN, ArrayDataModule, BiGAN, ClusterGAN, DigitsDataModule, InfoGAN


def tiny_checkpoint(root, model, filename: str, data=None, steps: int = 3) -> str:
    """Trains ``model`` for ``steps`` generator steps on ``data`` (default: the 16x16 digits) and returns the
    checkpoint's path."""
    checkpoint = ModelCheckpoint(dirpath=root, filename=filename)
    Trainer(
        max_steps=steps,
        accelerator="cpu",
        default_root_dir=root,
        logger=False,
        callbacks=[checkpoint],
        enable_progress_bar=False,
        enable_model_summary=False,
    ).fit(model, data if data is not None else DigitsDataModule(image_size=16, batch_size=16))
    return checkpoint.best_model_path


@pytest.fixture(scope="session")
def dcgan_ckpt(tmp_path_factory) -> str:
    """Path of a DCGAN (16x16 grey, latent 8) trained for 3 generator steps on the digits."""
    return tiny_checkpoint(
        tmp_path_factory.mktemp("dcgan_ckpt"),
        DCGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8),
        "tiny",
    )


@pytest.fixture(scope="session")
def conditional_ckpt(tmp_path_factory) -> str:
    """Path of a conditional DCGAN (10 digit classes, 16x16 grey, latent 8) trained for 3 generator steps."""
    return tiny_checkpoint(
        tmp_path_factory.mktemp("conditional_ckpt"),
        DCGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8, num_classes=10),
        "tiny_conditional",
    )


@pytest.fixture(scope="session")
def infogan_ckpt(tmp_path_factory) -> str:
    """Path of an InfoGAN (16x16 grey, noise 8, one 10-way and two continuous codes) trained for 3 steps."""
    return tiny_checkpoint(
        tmp_path_factory.mktemp("infogan_ckpt"),
        InfoGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8, q_hidden=16),
        "tiny_infogan",
    )


@pytest.fixture(scope="session")
def clustergan_ckpt(tmp_path_factory) -> str:
    """Path of a ClusterGAN (16x16 grey, MLPs of 16 units, noise 3, 4 clusters) trained for 3 steps."""
    model = ClusterGAN(
        data_shape=[1, 16, 16], latent_dim=3, num_clusters=4, architecture="mlp", hidden_dims=[16]
    )
    return tiny_checkpoint(tmp_path_factory.mktemp("clustergan_ckpt"), model, "tiny_clustergan")


TABLE_WIDTH = 3
"""Feature columns of the rows ``clustergan_table_ckpt`` trains on."""


@pytest.fixture(scope="session")
def clustergan_table_ckpt(tmp_path_factory) -> str:
    """Path of a ClusterGAN of table rows (3 features, noise 2, 3 clusters) trained for 3 steps on 64 random rows
    (``ArrayDataModule``: the checkpoint keeps the rows' mean and standard deviation)."""
    rows = np.random.default_rng(0).normal(loc=5.0, scale=2.0, size=(64, TABLE_WIDTH)).astype(np.float32)
    model = ClusterGAN(data_shape=[TABLE_WIDTH], latent_dim=2, num_clusters=3, hidden_dims=[8])
    data = ArrayDataModule(rows, batch_size=16)
    return tiny_checkpoint(tmp_path_factory.mktemp("clustergan_table_ckpt"), model, "tiny_table", data)


@pytest.fixture(scope="session")
def bigan_ckpt(tmp_path_factory) -> str:
    """Path of a BiGAN (16x16 grey, MLPs of 16 units, latent 4) trained for 3 steps: an encoder, no cluster code."""
    model = BiGAN(data_shape=[1, 16, 16], latent_dim=4, architecture="mlp", hidden_dims=[16])
    return tiny_checkpoint(tmp_path_factory.mktemp("bigan_ckpt"), model, "tiny_bigan")


def tiny_translation_checkpoint(root, model, filename: str, channels_a: int = 1, channels_b: int = 3) -> str:
    """Trains a translation ``model`` for 2 steps on ``TinyTranslationData`` (16x16) -> the checkpoint path."""
    from tests.translation_data import TinyTranslationData

    checkpoint = ModelCheckpoint(dirpath=root, filename=filename)
    Trainer(
        max_steps=2,
        accelerator="cpu",
        default_root_dir=root,
        logger=False,
        callbacks=[checkpoint],
        enable_progress_bar=False,
        enable_model_summary=False,
    ).fit(model, TinyTranslationData(channels_a=channels_a, channels_b=channels_b))
    return checkpoint.best_model_path


@pytest.fixture(scope="session")
def cyclegan_ckpt(tmp_path_factory) -> str:
    """Path of a tiny CycleGAN (A: 16x16 grey, B: 16x16 RGB) trained for 2 steps."""
    from lightning_gans import CycleGAN

    model = CycleGAN(
        channels_a=1,
        channels_b=3,
        image_size=16,
        generator_width=4,
        discriminator_width=4,
        n_blocks=1,
        discriminator_layers=2,
    )
    return tiny_translation_checkpoint(tmp_path_factory.mktemp("cyclegan_ckpt"), model, "tiny_cyclegan")


@pytest.fixture(scope="session")
def pix2pix_ckpt(tmp_path_factory) -> str:
    """Path of a tiny Pix2Pix (A: 16x16 grey -> B: 16x16 RGB) trained for 2 steps."""
    from lightning_gans import Pix2Pix

    model = Pix2Pix(
        channels_a=1,
        channels_b=3,
        image_size=16,
        generator_width=4,
        discriminator_width=4,
        discriminator_layers=2,
    )
    return tiny_translation_checkpoint(tmp_path_factory.mktemp("pix2pix_ckpt"), model, "tiny_pix2pix")
