"""A maxout discriminator (Goodfellow et al., "Maxout networks", 2013), the 2-D discriminator of PacGAN."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from lightning_gans.nets.mlp import normal_init_


class Maxout(nn.Module):
    """``(N, in_features)`` -> ``(N, out_features)``: the max over ``pieces`` affine maps per output unit.

    One ``Linear(in_features, out_features * pieces)``; its outputs are read as ``(N, out_features, pieces)``
    (the pieces of a unit are adjacent) and the maximum over the last axis is taken.
    """

    def __init__(self, in_features: int, out_features: int, pieces: int) -> None:
        super().__init__()
        self.out_features = out_features
        self.pieces = pieces
        self.linear = nn.Linear(in_features, out_features * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, in_features)`` -> ``(N, out_features)``."""
        return self.linear(x).unflatten(1, (self.out_features, self.pieces)).amax(2)


class MaxoutDiscriminator(nn.Module):
    """``(N, *data_shape)`` -> ``(N,)`` logits through maxout hidden layers and a linear output.

    PacGAN's 2-D set-up: 3 maxout layers of 200 units with 5 pieces each, input ``2 x pack``; weights N(0, 0.02).
    With a packed GAN (``pack`` m) give the packed width, e.g. ``data_shape: [8]`` for 2-D points and m = 4.

    Args:
        data_shape: shape of one input (flattened), e.g. ``(2 * pack,)``.
        hidden_dims: units of each maxout layer.
        pieces: affine pieces per maxout unit.
        init_std: weights ~ N(0, init_std) and biases 0; None keeps PyTorch's default initialisation.
    """

    def __init__(
        self,
        data_shape: Sequence[int] = (2,),
        hidden_dims: Sequence[int] = (200, 200, 200),
        pieces: int = 5,
        init_std: float | None = 0.02,
    ) -> None:
        super().__init__()
        self.data_shape = tuple(data_shape)
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(self.data_shape)
        for hidden in hidden_dims:
            layers.append(Maxout(width, hidden, pieces))
            width = hidden
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)
        if init_std is not None:
            normal_init_(self, init_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N,)``."""
        return self.net(x).squeeze(1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N, hidden_dims[-1])``: the last maxout layer."""
        return self.net[:-1](x)
