"""lightning-gans: Generative Adversarial Networks as PyTorch Lightning modules.

Public API: the modules (``GAN``, ``VanillaGAN``, ``DCGAN``, ``WGANGP``, ``InfoGAN``, ``BiGAN``,
``ClusterGAN``; ``num_classes: K`` makes any of them class-conditional; the translation models ``CycleGAN`` and
``Pix2Pix``), ``Latent`` (what the family hooks pass the generator), ``RejectionSampler`` (DRS and MH-GAN on a
trained model), the data modules and the sample-grid and evaluation callbacks. Networks live in
``lightning_gans.nets``, losses in ``lightning_gans.losses``, class metrics (conditional accuracy, class
proportions) in ``lightning_gans.metrics``.

The names are imported on first use (PEP 562 ``__getattr__``): ``import lightning_gans`` does not import torch or
Lightning, so ``lightning-gans --help`` starts in a fraction of a second. ``from lightning_gans import DCGAN``
works as usual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from lightning_gans import _warnings

_warnings.install()  # third-party noise that is not the user's doing; each filter is named there

if TYPE_CHECKING:  # for type checkers and the API docs; at run time __getattr__ imports them
    from lightning_gans.callbacks import Evaluation, SampleGrid
    from lightning_gans.data import (
        ArrayDataModule,
        CelebADataModule,
        CIFAR10DataModule,
        DigitDomainsDataModule,
        DigitsDataModule,
        FashionMNISTDataModule,
        ImageFolderDataModule,
        MNIST5kDataModule,
        MNISTDataModule,
        PairedImageFolder,
        Toy2DDataModule,
        UnpairedImageFolders,
    )
    from lightning_gans.modules import (
        DCGAN,
        GAN,
        WGANGP,
        BiGAN,
        ClusterGAN,
        CycleGAN,
        InfoGAN,
        IZIfEncoder,
        Pix2Pix,
        VanillaGAN,
    )
    from lightning_gans.modules.latent import Latent
    from lightning_gans.sampling import RejectionSampler

_EXPORTS = {
    "Evaluation": "lightning_gans.callbacks",
    "SampleGrid": "lightning_gans.callbacks",
    "CelebADataModule": "lightning_gans.data",
    "CIFAR10DataModule": "lightning_gans.data",
    "DigitsDataModule": "lightning_gans.data",
    "FashionMNISTDataModule": "lightning_gans.data",
    "ImageFolderDataModule": "lightning_gans.data",
    "MNISTDataModule": "lightning_gans.data",
    "Toy2DDataModule": "lightning_gans.data",
    "MNIST5kDataModule": "lightning_gans.data",
    "DigitDomainsDataModule": "lightning_gans.data",
    "UnpairedImageFolders": "lightning_gans.data",
    "PairedImageFolder": "lightning_gans.data",
    "DCGAN": "lightning_gans.modules",
    "GAN": "lightning_gans.modules",
    "WGANGP": "lightning_gans.modules",
    "VanillaGAN": "lightning_gans.modules",
    "InfoGAN": "lightning_gans.modules",
    "BiGAN": "lightning_gans.modules",
    "ClusterGAN": "lightning_gans.modules",
    "IZIfEncoder": "lightning_gans.modules",
    "CycleGAN": "lightning_gans.modules",
    "Pix2Pix": "lightning_gans.modules",
    "ArrayDataModule": "lightning_gans.data",
    "Latent": "lightning_gans.modules.latent",
    "RejectionSampler": "lightning_gans.sampling",
}
"""Public name -> the module that defines it."""

__all__ = [
    "ArrayDataModule",
    "BiGAN",
    "CIFAR10DataModule",
    "ClusterGAN",
    "CycleGAN",
    "DCGAN",
    "GAN",
    "WGANGP",
    "CelebADataModule",
    "DigitDomainsDataModule",
    "DigitsDataModule",
    "Evaluation",
    "FashionMNISTDataModule",
    "IZIfEncoder",
    "ImageFolderDataModule",
    "InfoGAN",
    "Latent",
    "MNIST5kDataModule",
    "MNISTDataModule",
    "PairedImageFolder",
    "Pix2Pix",
    "RejectionSampler",
    "SampleGrid",
    "Toy2DDataModule",
    "UnpairedImageFolders",
    "VanillaGAN",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'lightning_gans' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
