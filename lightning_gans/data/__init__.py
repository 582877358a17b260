"""LightningDataModules: embedded digits, 2-D toys, torchvision sets and tables of vectors."""

from lightning_gans.data.array import ArrayDataModule
from lightning_gans.data.digits import DigitsDataModule
from lightning_gans.data.toy2d import Toy2DDataModule
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
    "DigitsDataModule",
    "FashionMNISTDataModule",
    "ImageFolderDataModule",
    "MNISTDataModule",
    "Toy2DDataModule",
    "VisionDataModule",
]
