"""Joint discriminators ``D(x, z)`` for BiGAN / ALI: they tell data-code pairs ``(x, E(x))`` from ``(G(z), z)``.

Each has an x path and a z path whose features are concatenated and mixed by a joint hidden layer; that layer's
output is ``features(x, z)`` (the feature-matching term of the EGBAD anomaly score), and a linear layer on it
gives the ``(N,)`` logit. Dropout (0.2, as ALI and EGBAD use in D) keeps D from memorising the pairs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from lightning_gans.nets.dcgan import DCGANDiscriminator


class JointDiscriminator(nn.Module):
    """``D(x, z) = linear(joint(cat(x_path(x), z_path(z))))``; the parts are given by the subclasses.

    Args:
        x_path: ``(N, *data_shape)`` -> ``(N, Fx)``.
        x_features: Fx.
        latent_dim: size of ``z``.
        hidden_dim: width of the z path and of the joint layer.
        dropout: dropout probability after every hidden layer.
    """

    def __init__(
        self, x_path: nn.Module, x_features: int, latent_dim: int, hidden_dim: int, dropout: float
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.x_path = x_path
        self.z_path = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.LeakyReLU(0.2), nn.Dropout(dropout))
        self.joint = nn.Sequential(
            nn.Linear(x_features + hidden_dim, hidden_dim), nn.LeakyReLU(0.2), nn.Dropout(dropout)
        )
        self.head = nn.Linear(hidden_dim, 1)

    def features(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)``, ``(N, latent_dim)`` -> ``(N, hidden_dim)``: the joint layer's output."""
        return self.joint(torch.cat([self.x_path(x), self.z_path(z)], dim=1))

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)``, ``(N, latent_dim)`` -> ``(N,)`` logits."""
        return self.head(self.features(x, z)).squeeze(1)


class MLPJointDiscriminator(JointDiscriminator):
    """Joint discriminator for vectors and small images: an MLP x path.

    Args:
        data_shape: shape of one sample.
        latent_dim: size of ``z``.
        hidden_dims: widths of the x path's hidden layers; the last is also the z path's and the joint width.
        dropout: dropout probability.
    """

    def __init__(
        self,
        data_shape: Sequence[int] = (2,),
        latent_dim: int = 16,
        hidden_dims: Sequence[int] = (256, 256),
        dropout: float = 0.2,
    ) -> None:
        if not hidden_dims:
            raise ValueError("a joint discriminator needs at least one hidden layer (hidden_dims)")
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(data_shape)
        for hidden in hidden_dims:
            layers += [nn.Linear(width, hidden), nn.LeakyReLU(0.2), nn.Dropout(dropout)]
            width = hidden
        super().__init__(nn.Sequential(*layers), width, latent_dim, hidden_dims[-1], dropout)
        self.data_shape = tuple(data_shape)


class DCGANJointDiscriminator(JointDiscriminator):
    """Joint discriminator for images: the DCGAN discriminator's trunk (without its last 4x4 convolution) as the
    x path, its flattened ``(N, 16 * maps)`` 4x4 map joined with the z path.

    Args:
        latent_dim: size of ``z``.
        image_size, channels, width, norm: as for ``DCGANDiscriminator``.
        hidden_dim: width of the z path and the joint layer.
        dropout: dropout probability.
    """

    def __init__(
        self,
        latent_dim: int = 100,
        image_size: int = 32,
        channels: int = 1,
        width: int = 64,
        norm: str = "batch",
        hidden_dim: int = 512,
        dropout: float = 0.2,
    ) -> None:
        trunk = DCGANDiscriminator(image_size, channels, width, norm).net
        x_features = trunk[-1].in_channels * 4 * 4
        super().__init__(
            nn.Sequential(*trunk[:-1], nn.Flatten()), x_features, latent_dim, hidden_dim, dropout
        )
        self.data_shape = (channels, image_size, image_size)
