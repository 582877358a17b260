"""Data for image-to-image translation (CycleGAN, pix2pix): image folders and embedded digit domains.

The batch contract every translation data module keeps:

- ``batch["A"]``: ``(N, channels_a, image_size, image_size)`` float in [-1, 1], domain A.
- ``batch["B"]``: ``(N, channels_b, image_size, image_size)`` float in [-1, 1], domain B.
- ``batch["A_label"]`` (only where domain A has labels: the digit domains): ``(N,)`` long classes of A.

For paired data (``paired`` true) ``A[i]`` and ``B[i]`` are aligned pixel for pixel; for unpaired data they are
independent. The data modules expose ``channels_a``, ``channels_b``, ``image_size`` (int) and ``paired`` so a
model can size its networks.

- ``UnpairedImageFolders``: ``root/trainA``, ``trainB``, ``testA``, ``testB`` (CycleGAN's unaligned layout).
- ``PairedImageFolder``: ``root/train``, ``val``, ``test``, A | B side by side in each file (pix2pix).
- ``DigitDomainsDataModule``: mnist5k, digits and MNIST-M-style mnistm; ``load_domain`` gives a domain's
  fixed split as tensors (e.g. to classify translated test images).
"""

from lightning_gans.data.translation.domains import DigitDomainsDataModule, load_domain, mnistm_unit_images
from lightning_gans.data.translation.folders import PairedImageFolder, UnpairedImageFolders

__all__ = [
    "DigitDomainsDataModule",
    "PairedImageFolder",
    "UnpairedImageFolders",
    "load_domain",
    "mnistm_unit_images",
]
