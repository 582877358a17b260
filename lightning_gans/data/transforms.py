"""The one image transform: training (every vision data module) and the tools that read a user's images
(``score``) build it here, so an image is prepared the same way whoever reads it.

The preprocessing a run's images had is also written into its checkpoints (``PREPROCESSING_KEY``): ``score``
on a CelebA model applies CelebA's face crop to a user's folder because the checkpoint says so.
"""

from __future__ import annotations

from PIL import Image
from torchvision import transforms

PREPROCESSING_KEY = "lightning_gans_preprocessing"
"""Checkpoint key: ``{"crop_size": int | None}`` of the data module the model was trained on."""


class ConvertMode:
    """Converts a PIL image to ``mode`` ("L" = 1 channel, "RGB" = 3 channels); picklable for workers."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def __call__(self, image: Image.Image) -> Image.Image:
        return image if image.mode == self.mode else image.convert(self.mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mode={self.mode!r})"


def image_transform(channels: int, image_size: int, crop_size: int | None = None) -> transforms.Compose:
    """PIL image -> ``(channels, image_size, image_size)`` float tensor in [-1, 1].

    Converted to grey or RGB, center-cropped to ``crop_size`` first when given (CelebA's 108-pixel face crop),
    resized so the shorter side is ``image_size``, then center-cropped to a square.
    """
    crop = [] if crop_size is None else [transforms.CenterCrop(crop_size)]
    return transforms.Compose(
        [
            ConvertMode("L" if channels == 1 else "RGB"),
            *crop,
            transforms.Resize(image_size),
            transforms.CenterCrop(image_size),
            transforms.ToTensor(),
            transforms.Normalize((0.5,) * channels, (0.5,) * channels),
        ]
    )


def preprocessing_of(datamodule) -> dict:
    """What a checkpoint keeps of a data module's image preprocessing (``{}`` without a data module)."""
    if datamodule is None:
        return {}
    return {"crop_size": getattr(datamodule, "crop_size", None)}
