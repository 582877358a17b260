"""LightningDataModules: embedded digits, 2-D toys and torchvision sets."""

from lightning_gans.data.digits import DigitsDataModule
from lightning_gans.data.toy2d import Toy2DDataModule

__all__ = ["DigitsDataModule", "Toy2DDataModule"]
