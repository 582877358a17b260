"""The digits feature network: a small CNN trained on the digits train split, shipped inside the package.

``scripts/train_digits_classifier.py`` trained the shipped weights (``weights/digits_cnn.pt``, fixed seed). Its
64-d penultimate features give a digits FID/KID (the domain analogue of Inception's pool features); its class
predictions give class coverage and the KL of the generated class histogram to uniform.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

INPUT_SIZE = 32
NUM_CLASSES = 10
FEATURE_DIM = 64
WEIGHTS_FILE = "digits_cnn.pt"


def _block(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class DigitsClassifier(nn.Module):
    """``(N, C, H, W)`` digit images in [-1, 1] -> ``(N, 10)`` class logits.

    Any square size is resized (bilinear) to 32x32 and any channel count is averaged to grey, so 16x16 or RGB
    samples can be scored too. ``features(x)`` gives the ``(N, 64)`` penultimate features.
    """

    def __init__(self, width: int = 16, feature_dim: int = FEATURE_DIM, dropout: float = 0.3) -> None:
        super().__init__()
        self.trunk = nn.Sequential(
            _block(1, width),  # 16x16
            _block(width, 2 * width),  # 8x8
            _block(2 * width, 4 * width),  # 4x4
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.embed = nn.Linear(4 * width, feature_dim)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(feature_dim, NUM_CLASSES)
        self.num_features = feature_dim
        self.width = width

    @staticmethod
    def prepare(images: torch.Tensor) -> torch.Tensor:
        """Grey 32x32 float images in [-1, 1] from any ``(N, C, H, W)`` input in [-1, 1]."""
        images = images.float()
        if images.dim() != 4:
            raise ValueError(f"expected (N, C, H, W) images, got shape {tuple(images.shape)}")
        if images.shape[1] != 1:
            images = images.mean(dim=1, keepdim=True)
        if images.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            images = F.interpolate(
                images, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False
            )
        return images.clamp(-1, 1)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """``(N, 64)`` penultimate features (before the final ReLU), the digits-FID embedding."""
        return self.embed(self.trunk(self.prepare(images)))

    def logits_from_features(self, features: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(F.relu(features)))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.logits_from_features(self.features(images))


def default_weights_path() -> Path:
    """The weights file shipped in the package."""
    return Path(str(resources.files("lightning_gans.metrics") / "weights" / WEIGHTS_FILE))


def load_digits_classifier(
    path: str | Path | None = None, map_location: str | torch.device = "cpu"
) -> DigitsClassifier:
    """The trained digits network in eval mode with frozen parameters (``weights_only=True`` load)."""
    path = Path(path) if path is not None else default_weights_path()
    if not path.is_file():
        raise FileNotFoundError(
            f"No digits classifier weights at {path}. Re-create them with scripts/train_digits_classifier.py."
        )
    state = torch.load(path, map_location=map_location, weights_only=True)
    net = DigitsClassifier(**state.get("config", {}))
    net.load_state_dict(state["state_dict"])
    net.requires_grad_(False)
    return net.eval()
