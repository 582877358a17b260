"""Tiny trained checkpoints (DCGAN, conditional DCGAN, InfoGAN) shared by the tool and command tests (fixtures
registered in tests/conftest.py)."""

from __future__ import annotations

import pytest
from lightning.pytorch import Trainer
from lightning.pytorch.callbacks import ModelCheckpoint

from lightning_gans import DCGAN, DigitsDataModule, InfoGAN


def tiny_checkpoint(root, model, filename: str) -> str:
    """Trains ``model`` for 3 generator steps on the 16x16 digits and returns the checkpoint's path."""
    checkpoint = ModelCheckpoint(dirpath=root, filename=filename)
    Trainer(
        max_steps=3,
        accelerator="cpu",
        default_root_dir=root,
        logger=False,
        callbacks=[checkpoint],
        enable_progress_bar=False,
        enable_model_summary=False,
    ).fit(model, DigitsDataModule(image_size=16, batch_size=16))
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
