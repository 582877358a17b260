"""LightningModules: the GAN base and its variants."""

from lightning_gans.modules.base import GAN
from lightning_gans.modules.bigan import BiGAN
from lightning_gans.modules.dcgan import DCGAN
from lightning_gans.modules.encoder import IZIfEncoder
from lightning_gans.modules.infogan import InfoGAN
from lightning_gans.modules.vanilla import VanillaGAN
from lightning_gans.modules.wgan_gp import WGANGP

__all__ = ["DCGAN", "GAN", "BiGAN", "InfoGAN", "IZIfEncoder", "WGANGP", "VanillaGAN"]
