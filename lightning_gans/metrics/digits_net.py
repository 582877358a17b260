"""The digit feature networks: a small CNN per digit data set, trained on its train split, shipped in the package.

``scripts/train_digits_classifier.py --data NAME`` trained the shipped weights (fixed seed):
``weights/digits_cnn.pt`` on the embedded scikit-learn digits, ``weights/mnist5k_cnn.pt`` on MNIST-5k's 4,000
training digits (``lightning_gans.data.mnist5k``). Both have the same architecture; the 64-d penultimate features
give a FID/KID in the data set's own domain (the analogue of Inception's pool features); the class predictions
give class coverage and the KL of the generated class histogram to uniform.
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
WEIGHTS_FILES = {"digits": "digits_cnn.pt", "mnist5k": "mnist5k_cnn.pt"}
"""The shipped weights per data set (``weights/<file>``)."""
WEIGHTS_FILE = WEIGHTS_FILES["digits"]


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


def default_weights_path(data: str = "digits") -> Path:
    """The weights file shipped in the package for ``data`` (a key of ``WEIGHTS_FILES``)."""
    if data not in WEIGHTS_FILES:
        raise ValueError(f"no shipped feature network for {data!r}; choose from {', '.join(WEIGHTS_FILES)}")
    return Path(str(resources.files("lightning_gans.metrics") / "weights" / WEIGHTS_FILES[data]))


def load_digits_classifier(
    path: str | Path | None = None, map_location: str | torch.device = "cpu", data: str = "digits"
) -> DigitsClassifier:
    """The trained network of ``data`` (``digits`` or ``mnist5k``; or the file ``path``) in eval mode with
    frozen parameters (``weights_only=True`` load)."""
    path = Path(path) if path is not None else default_weights_path(data)
    if not path.is_file():
        raise FileNotFoundError(
            f"No {data} classifier weights at {path}. Re-create them with "
            f"scripts/train_digits_classifier.py --data {data}."
        )
    state = torch.load(path, map_location=map_location, weights_only=True)
    net = DigitsClassifier(**state.get("config", {}))
    net.load_state_dict(state["state_dict"])
    net.requires_grad_(False)
    return net.eval()
