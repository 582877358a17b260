"""Encoders ``E: x -> z``, the way back from data to a generator's latent space (BiGAN, f-AnoGAN).

``MLPEncoder`` for vectors and small images, ``DCGANEncoder`` for images: the DCGAN discriminator's stride-2
trunk with a final 4x4 convolution to ``latent_dim`` values instead of one logit. Outputs are unbounded, like
the N(0, 1) noise they estimate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from lightning_gans.nets.dcgan import _norm, check_image_size, dcgan_init_


class MLPEncoder(nn.Module):
    """``(N, *data_shape)`` samples -> ``(N, latent_dim)`` codes, LeakyReLU(0.2) hidden layers.

    Args:
        data_shape: shape of one sample, e.g. ``(2,)`` or ``(1, 16, 16)``.
        latent_dim: size of the code (the generator's noise size).
        hidden_dims: widths of the hidden layers.
    """

    def __init__(
        self, data_shape: Sequence[int] = (2,), latent_dim: int = 16, hidden_dims: Sequence[int] = (256, 256)
    ) -> None:
        super().__init__()
        self.data_shape = tuple(data_shape)
        self.latent_dim = latent_dim
        layers: list[nn.Module] = []
        width = math.prod(self.data_shape)
        for hidden in hidden_dims:
            layers += [nn.Linear(width, hidden), nn.LeakyReLU(0.2)]
            width = hidden
        layers.append(nn.Linear(width, latent_dim))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N, latent_dim)``."""
        return self.net(x.flatten(1))


class DCGANEncoder(nn.Module):
    """``(N, channels, image_size, image_size)`` images -> ``(N, latent_dim)`` codes.

    Args:
        latent_dim: size of the code.
        image_size: input height and width, a power of two >= 8.
        channels: 1 or 3.
        width: feature maps of the first layer; doubled at every stride-2 layer.
        norm: ``"batch"``, ``"layer"`` or ``"none"`` on every layer but the first.
    """

    def __init__(
        self,
        latent_dim: int = 100,
        image_size: int = 32,
        channels: int = 1,
        width: int = 64,
        norm: str = "batch",
    ) -> None:
        super().__init__()
        n_down = check_image_size(image_size) - 2  # image_size -> 4x4
        self.latent_dim = latent_dim
        self.data_shape = (channels, image_size, image_size)
        maps = width
        layers: list[nn.Module] = [nn.Conv2d(channels, maps, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        for _ in range(n_down - 1):
            layers += [nn.Conv2d(maps, maps * 2, 4, 2, 1), _norm(norm, maps * 2), nn.LeakyReLU(0.2, True)]
            maps *= 2
        layers.append(nn.Conv2d(maps, latent_dim, 4, 1, 0))
        self.net = nn.Sequential(*layers)
        dcgan_init_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, C, H, W)`` -> ``(N, latent_dim)``."""
        return self.net(x).flatten(1)
