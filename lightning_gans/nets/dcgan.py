"""The DCGAN generator and discriminator of Radford et al. (2016) for any power-of-two image size >= 8.

The generator projects ``z`` to a 4x4 map, then doubles the resolution with stride-2 transposed convolutions
(batch norm + ReLU) until it reaches the image size, ending in ``tanh``. The discriminator mirrors it with
stride-2 convolutions and LeakyReLU(0.2), batch norm on every layer but the first, and a final 4x4 convolution
to one logit. For a WGAN-GP critic pass ``norm="none"`` (batch norm breaks the per-sample gradient penalty)
or ``norm="layer"``.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.functional import one_hot

from lightning_gans.errors import ConfigError
from lightning_gans.nets.conditional import (
    ConditionalBatchNorm,
    ConditionalSequential,
    ProjectionDiscriminator,
)


def check_image_size(image_size: int) -> int:
    """Returns log2(image_size) or raises a ValueError naming the fix."""
    if image_size < 8 or image_size & (image_size - 1):  # 8: one up/down-sampling step around the 4x4 map
        raise ConfigError(
            f"DCGAN image size must be a power of two >= 8 (8, 16, 32, 64, ...), got {image_size}. "
            "Set the model's data_shape and the data module's image_size to one of those."
        )
    return int(math.log2(image_size))


def dcgan_init_(module: nn.Module) -> None:
    """Radford et al. initialisation: conv weights ~ N(0, 0.02), norm weights ~ N(1, 0.02), biases 0."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d | nn.GroupNorm) and m.weight is not None:  # not conditional BN's
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


class DCGANGenerator(nn.Module):
    """``(N, latent_dim)`` noise (and ``(N,)`` labels) -> ``(N, channels, image_size, image_size)`` in [-1, 1].

    Args:
        latent_dim: size of the noise vector.
        image_size: output height and width, a power of two >= 8.
        channels: 1 (grey) or 3 (RGB).
        width: feature maps of the last hidden layer; the first has ``width * image_size // 8``.
        num_classes: K makes it class-conditional: ``forward`` takes ``(z, labels)``, the one-hot label is
            appended to ``z`` and every batch norm becomes a ``ConditionalBatchNorm`` (scale and shift from a
            class embedding). None = unconditional. The one-hot input is there because conditional batch norm
            alone starts at the identity and its embeddings move only at the learning rate: on the digits it
            took over 1,500 steps to separate the classes, against 300 with the one-hot input (docs/DESIGN.md).
    """

    def __init__(
        self,
        latent_dim: int = 100,
        image_size: int = 32,
        channels: int = 1,
        width: int = 64,
        num_classes: int | None = None,
    ) -> None:
        super().__init__()
        n_up = check_image_size(image_size) - 2  # 4x4 -> image_size
        self.latent_dim = latent_dim
        self.data_shape = (channels, image_size, image_size)
        self.num_classes = num_classes

        def norm(maps: int) -> nn.Module:
            return nn.BatchNorm2d(maps) if num_classes is None else ConditionalBatchNorm(maps, num_classes)

        maps = width * 2 ** (n_up - 1)
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim + (num_classes or 0), maps, 4, 1, 0, bias=False),
            norm(maps),
            nn.ReLU(True),
        ]
        for _ in range(n_up - 1):
            layers += [
                nn.ConvTranspose2d(maps, maps // 2, 4, 2, 1, bias=False),
                norm(maps // 2),
                nn.ReLU(True),
            ]
            maps //= 2
        layers += [nn.ConvTranspose2d(maps, channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers) if num_classes is None else ConditionalSequential(*layers)
        dcgan_init_(self)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """``(N, latent_dim)`` (and ``(N,)`` labels when conditional) -> ``(N, C, H, W)``."""
        if self.num_classes is None:
            return self.net(z.view(z.shape[0], -1, 1, 1))
        z = torch.cat([z, one_hot(labels, self.num_classes).to(z)], dim=1)
        return self.net(z.view(z.shape[0], -1, 1, 1), labels)


def _norm(kind: str, maps: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(maps)
    if kind == "layer":  # per-sample normalisation, safe with a gradient penalty
        return nn.GroupNorm(1, maps)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"norm must be 'batch', 'layer' or 'none', got {kind!r}")


class DCGANDiscriminator(nn.Module):
    """``(N, channels, image_size, image_size)`` images -> ``(N,)`` logits (or critic values).

    Args:
        image_size: input height and width, a power of two >= 8.
        channels: 1 or 3.
        width: feature maps of the first layer; doubled at every stride-2 layer.
        norm: ``"batch"`` (DCGAN), ``"layer"`` or ``"none"`` (WGAN-GP critic).
    """

    def __init__(self, image_size: int = 32, channels: int = 1, width: int = 64, norm: str = "batch") -> None:
        super().__init__()
        n_down = check_image_size(image_size) - 2  # image_size -> 4x4
        self.data_shape = (channels, image_size, image_size)
        maps = width
        bias = (
            norm != "batch"
        )  # batch norm's shift makes a conv bias redundant; a critic without it needs one
        layers: list[nn.Module] = [nn.Conv2d(channels, maps, 4, 2, 1, bias=bias), nn.LeakyReLU(0.2, True)]
        for _ in range(n_down - 1):
            layers += [
                nn.Conv2d(maps, maps * 2, 4, 2, 1, bias=bias),
                _norm(norm, maps * 2),
                nn.LeakyReLU(0.2, True),
            ]
            maps *= 2
        layers.append(nn.Conv2d(maps, 1, 4, 1, 0, bias=bias))
        self.net = nn.Sequential(*layers)
        dcgan_init_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, C, H, W)`` -> ``(N,)``."""
        return self.net(x).flatten()

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, C, H, W)`` -> ``(N, 16 * maps)``: the flattened 4x4 map the last convolution reads (``f_D``)."""
        return self.net[:-1](x).flatten(1)


class ProjectionDCGANDiscriminator(ProjectionDiscriminator):
    """Class-conditional DCGAN discriminator: ``(N, C, S, S)`` images and ``(N,)`` labels -> ``(N,)`` logits.

    The trunk of ``DCGANDiscriminator`` (everything but its last 4x4 convolution) gives ``h``, the flattened
    ``(N, 16 * maps)`` 4x4 feature map; the score is ``linear(h) + <embed(y), h>`` (projection discriminator).
    With ``aux_classifier`` it returns ``(logits, (N, K) class_logits)`` (ACGAN head).

    Args:
        image_size, channels, width, norm: as for ``DCGANDiscriminator``.
        num_classes: K.
        aux_classifier: add the ACGAN class head.
    """

    def __init__(
        self,
        image_size: int = 32,
        channels: int = 1,
        width: int = 64,
        norm: str = "batch",
        num_classes: int = 10,
        aux_classifier: bool = False,
    ) -> None:
        trunk = DCGANDiscriminator(image_size, channels, width, norm).net
        feature_dim = trunk[-1].in_channels * 4 * 4
        super().__init__(
            nn.Sequential(*trunk[:-1], nn.Flatten()),
            feature_dim,
            num_classes,
            aux_classifier,
            data_shape=(channels, image_size, image_size),
        )
        nn.init.normal_(self.linear.weight, 0.0, 0.02)
        nn.init.zeros_(self.linear.bias)
        if self.classifier is not None:
            nn.init.normal_(self.classifier.weight, 0.0, 0.02)
            nn.init.zeros_(self.classifier.bias)
