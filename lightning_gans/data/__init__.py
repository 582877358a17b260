"""LightningDataModules: embedded digits (scikit-learn, MNIST-5k), 2-D toys, torchvision sets, tables of vectors and
image-translation data (``lightning_gans.data.translation``)."""

from lightning_gans.data.array import ArrayDataModule
from lightning_gans.data.digits import DigitsDataModule
from lightning_gans.data.mnist5k import MNIST5kDataModule
from lightning_gans.data.toy2d import Toy2DDataModule
from lightning_gans.data.translation import DigitDomainsDataModule, PairedImageFolder, UnpairedImageFolders
from lightning_gans.data.vision import (
    CelebADataModule,
    CIFAR10DataModule,
    FashionMNISTDataModule,
    ImageFolderDataModule,
    MNISTDataModule,
    VisionDataModule,
)

__all__ = [
    "ArrayDataModule",
    "CIFAR10DataModule",
    "CelebADataModule",
    "DigitDomainsDataModule",
    "DigitsDataModule",
    "FashionMNISTDataModule",
    "ImageFolderDataModule",
    "MNIST5kDataModule",
    "MNISTDataModule",
    "PairedImageFolder",
    "Toy2DDataModule",
    "UnpairedImageFolders",
    "VisionDataModule",
]
