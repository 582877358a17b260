"""LightningModules of the z -> x family: ``GAN`` (the loop, on the engine) and its variants and families.

``recipes`` chooses default networks by data shape; ``checks`` holds the family's start-up checks; ``latent``
the generator's structured input; ``detector`` the anomaly-detector mixin; ``encoder`` the f-AnoGAN encoder;
``bagan`` the BAGAN-style balancing GAN (a conditional DCGAN started from an autoencoder).
``translation`` holds the image-translation family (``CycleGAN``, ``Pix2Pix``), siblings of ``GAN``.
"""

from lightning_gans.modules.bagan import BAGAN
from lightning_gans.modules.bigan import BiGAN
from lightning_gans.modules.clustergan import ClusterGAN
from lightning_gans.modules.dcgan import DCGAN
from lightning_gans.modules.encoder import IZIfEncoder
from lightning_gans.modules.gan import GAN
from lightning_gans.modules.infogan import InfoGAN
from lightning_gans.modules.translation import CycleGAN, ImagePool, Pix2Pix
from lightning_gans.modules.vanilla import VanillaGAN
from lightning_gans.modules.wgan_gp import WGANGP

__all__ = [
    "BAGAN",
    "DCGAN",
    "GAN",
    "BiGAN",
    "ClusterGAN",
    "CycleGAN",
    "ImagePool",
    "InfoGAN",
    "IZIfEncoder",
    "Pix2Pix",
    "WGANGP",
    "VanillaGAN",
]
