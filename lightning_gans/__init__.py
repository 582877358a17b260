"""lightning-gans: Generative Adversarial Networks as PyTorch Lightning modules.

Public API: the modules (``GAN``, ``VanillaGAN``, ``DCGAN``, ``WGANGP``; ``num_classes: K`` makes any of them
class-conditional), ``Latent`` (what the family hooks pass the generator), the data modules and the callbacks.
Networks live in ``lightning_gans.nets``, losses in ``lightning_gans.losses``, class metrics (conditional
accuracy, class proportions) in ``lightning_gans.metrics``.
"""

from lightning_gans.callbacks import Evaluation, SampleGrid
from lightning_gans.data import (
    ArrayDataModule,
    CelebADataModule,
    CIFAR10DataModule,
    DigitsDataModule,
    FashionMNISTDataModule,
    ImageFolderDataModule,
    MNISTDataModule,
    Toy2DDataModule,
)
from lightning_gans.modules import DCGAN, GAN, WGANGP, BiGAN, IZIfEncoder, VanillaGAN
from lightning_gans.modules.latent import Latent

__all__ = [
    "ArrayDataModule",
    "BiGAN",
    "CIFAR10DataModule",
    "DCGAN",
    "GAN",
    "WGANGP",
    "CelebADataModule",
    "DigitsDataModule",
    "Evaluation",
    "FashionMNISTDataModule",
    "IZIfEncoder",
    "ImageFolderDataModule",
    "Latent",
    "MNISTDataModule",
    "SampleGrid",
    "Toy2DDataModule",
    "VanillaGAN",
]
__version__ = "0.1.0"
