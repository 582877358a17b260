"""Tiny trained checkpoints (DCGAN, conditional DCGAN, InfoGAN) shared by the generation-tool tests."""

from __future__ import annotations

import pytest
from lightning.pytorch import Trainer
from lightning.pytorch.callbacks import ModelCheckpoint

from lightning_gans import DCGAN, DigitsDataModule, InfoGAN


@pytest.fixture(scope="session")
def dcgan_ckpt(tmp_path_factory) -> str:
    """Path of a DCGAN (16x16 grey, latent 8) trained for 3 generator steps on the digits."""
    root = tmp_path_factory.mktemp("dcgan_ckpt")
    checkpoint = ModelCheckpoint(dirpath=root, filename="tiny")
    Trainer(
        max_steps=3,
        accelerator="cpu",
        default_root_dir=root,
        logger=False,
        callbacks=[checkpoint],
        enable_progress_bar=False,
        enable_model_summary=False,
    ).fit(
        DCGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8),
        DigitsDataModule(image_size=16, batch_size=16),
    )
    return checkpoint.best_model_path


@pytest.fixture(scope="session")
def conditional_ckpt(tmp_path_factory) -> str:
    """Path of a conditional DCGAN (10 digit classes, 16x16 grey, latent 8) trained for 3 generator steps."""
    root = tmp_path_factory.mktemp("conditional_ckpt")
    checkpoint = ModelCheckpoint(dirpath=root, filename="tiny_conditional")
    Trainer(
        max_steps=3,
        accelerator="cpu",
        default_root_dir=root,
        logger=False,
        callbacks=[checkpoint],
        enable_progress_bar=False,
        enable_model_summary=False,
    ).fit(
        DCGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8, num_classes=10),
        DigitsDataModule(image_size=16, batch_size=16),
    )
    return checkpoint.best_model_path


@pytest.fixture(scope="session")
def infogan_ckpt(tmp_path_factory) -> str:
    """Path of an InfoGAN (16x16 grey, noise 8, one 10-way and two continuous codes) trained for 3 steps."""
    root = tmp_path_factory.mktemp("infogan_ckpt")
    checkpoint = ModelCheckpoint(dirpath=root, filename="tiny_infogan")
    Trainer(
        max_steps=3,
        accelerator="cpu",
        default_root_dir=root,
        logger=False,
        callbacks=[checkpoint],
        enable_progress_bar=False,
        enable_model_summary=False,
    ).fit(
        InfoGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8, q_hidden=16),
        DigitsDataModule(image_size=16, batch_size=16),
    )
    return checkpoint.best_model_path
