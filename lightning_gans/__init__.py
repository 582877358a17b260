"""lightning-gans: Generative Adversarial Networks as PyTorch Lightning modules.

Public API: the modules (``GAN``, ``VanillaGAN``, ``DCGAN``, ``WGANGP``), the data modules and the
sample-grid callback. Networks live in ``lightning_gans.nets``, losses in ``lightning_gans.losses``.
"""

from lightning_gans.callbacks import Evaluation, SampleGrid
from lightning_gans.data import (
    CelebADataModule,
    CIFAR10DataModule,
    DigitsDataModule,
    FashionMNISTDataModule,
    ImageFolderDataModule,
    MNISTDataModule,
    Toy2DDataModule,
)
from lightning_gans.modules import DCGAN, GAN, WGANGP, VanillaGAN

__all__ = [
    "CIFAR10DataModule",
    "DCGAN",
    "GAN",
    "WGANGP",
    "CelebADataModule",
    "DigitsDataModule",
    "Evaluation",
    "FashionMNISTDataModule",
    "ImageFolderDataModule",
    "MNISTDataModule",
    "SampleGrid",
    "Toy2DDataModule",
    "VanillaGAN",
]
__version__ = "0.1.0"
