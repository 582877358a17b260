"""LightningModules of the image-translation family: ``CycleGAN`` (unpaired) and ``Pix2Pix`` (paired), siblings
of ``GAN`` on the engine (docs/DESIGN.md, "Where translation lives"), and ``ImagePool``.

Both satisfy ``lightning_gans.capabilities.Translates`` (``translate(x, direction="a2b")``) and train on batches
``{"A": (N, C_a, H, W), "B": (N, C_b, H, W)}`` in [-1, 1].
"""

from lightning_gans.modules.translation.base import TranslationModule
from lightning_gans.modules.translation.cyclegan import CycleGAN
from lightning_gans.modules.translation.pix2pix import Pix2Pix
from lightning_gans.modules.translation.pool import ImagePool

__all__ = ["CycleGAN", "ImagePool", "Pix2Pix", "TranslationModule"]
