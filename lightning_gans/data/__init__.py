"""LightningDataModules: embedded digits, 2-D toys and torchvision sets."""

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
    "CIFAR10DataModule",
    "CelebADataModule",
    "DigitsDataModule",
    "FashionMNISTDataModule",
    "ImageFolderDataModule",
    "MNISTDataModule",
    "Toy2DDataModule",
    "VisionDataModule",
]
