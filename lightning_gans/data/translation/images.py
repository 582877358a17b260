"""Image files for translation: finding them, reading them, and the reference load/crop/flip transform.

The transform is pix2pix/CycleGAN's ``resize_and_crop``: training images are resized (to a square, aspect
ratio not kept) to ``load_size``, a random ``crop_size`` square is cut out and flipped left-right with
probability 1/2; test images are only resized to ``crop_size`` (the reference sets ``load_size = crop_size``
at test time). The random choices are drawn separately (``CropFlip.draw``) so a paired image's two halves get
the very same crop and flip.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image
from torchvision.datasets.folder import IMG_EXTENSIONS
from torchvision.transforms import functional as TF

from lightning_gans.data.vision import CorruptImageError, DataNotFoundError, find_corrupt_images, load_image
from lightning_gans.errors import ConfigError

PIL_MODE = {1: "L", 3: "RGB"}


def check_channels(channels: int, option: str) -> int:
    if channels not in PIL_MODE:
        raise ConfigError(
            f"{option} must be 1 (grey) or 3 (RGB), got {channels}; images are converted to that many channels."
        )
    return channels


def find_images(folder: Path, fix: str) -> list[str]:
    """The image files under ``folder`` (recursively, sorted); ``DataNotFoundError`` naming the folder and
    ``fix`` when it is missing or holds none."""
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise DataNotFoundError(f"The folder {folder} {what}. {fix}")
    paths = sorted(str(p) for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMG_EXTENSIONS)
    if not paths:
        raise DataNotFoundError(
            f"No images in {folder} (image files end in {', '.join(IMG_EXTENSIONS)}). Add images. {fix}"
        )
    return paths


def check_readable(paths: list[str], folder: Path) -> None:
    """``CorruptImageError`` listing the files under ``folder`` that PIL cannot read (opens each file once)."""
    bad = find_corrupt_images(paths)
    if bad:
        listed = "; ".join(f"{path} ({reason})" for path, reason in bad[:5])
        more = f"; ... and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise CorruptImageError(
            f"{len(bad)} of the {len(paths)} image files in {folder} cannot be read: {listed}{more}. Delete or "
            "replace them (verify_images: false skips this check, but training then stops at the first bad file)."
        )


def read_image(path: str, channels: int) -> Image.Image:
    """The file as a PIL image with ``channels`` (1: mode L, 3: RGB); ``CorruptImageError`` names a bad file."""
    return load_image(path, PIL_MODE[channels])


def to_tensor(image: Image.Image) -> torch.Tensor:
    """PIL image -> ``(C, H, W)`` float in [-1, 1]."""
    return TF.to_tensor(image) * 2 - 1


@dataclass(frozen=True)
class CropFlip:
    """One draw of the training transform's randomness: the crop's top-left corner and whether to flip."""

    top: int = 0
    left: int = 0
    flip: bool = False


@dataclass(frozen=True)
class ResizeCropFlip:
    """The reference transform (module docstring). ``train`` false: resize to ``crop_size``, nothing random."""

    load_size: int = 286
    crop_size: int = 256
    train: bool = True
    flip: bool = True

    def __post_init__(self) -> None:
        if self.crop_size < 1:
            raise ConfigError(f"crop_size must be a positive number of pixels, got {self.crop_size}.")
        if self.crop_size > self.load_size:
            raise ConfigError(
                f"crop_size {self.crop_size} is larger than load_size {self.load_size}: a crop cannot be cut "
                f"from a smaller image. Set load_size >= crop_size (the reference uses 286 and 256)."
            )

    def draw(self) -> CropFlip:
        """Random crop corner and flip from torch's global generator (DataLoader seeds it in each worker)."""
        if not self.train:
            return CropFlip()
        top, left = torch.randint(0, self.load_size - self.crop_size + 1, (2,)).tolist()
        flip = self.flip and bool(torch.rand(()) < 0.5)
        return CropFlip(top, left, flip)

    def __call__(self, image: Image.Image, params: CropFlip | None = None) -> torch.Tensor:
        """PIL image -> ``(C, crop_size, crop_size)`` in [-1, 1]; ``params`` = ``self.draw()`` when None."""
        params = self.draw() if params is None else params
        if not self.train:
            return to_tensor(image.resize((self.crop_size, self.crop_size), Image.Resampling.BICUBIC))
        image = image.resize((self.load_size, self.load_size), Image.Resampling.BICUBIC)
        image = image.crop(
            (params.left, params.top, params.left + self.crop_size, params.top + self.crop_size)
        )
        if params.flip:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        return to_tensor(image)
