"""ClusterGAN's encoder (Mukherjee et al. 2019): ``E: x -> (z_n, logits_c)``, a separate network (not a head on
the critic) that estimates both parts of the generator's latent ``[z_n, one-hot(c)]``.

It is one of the existing encoders (``MLPEncoder`` for vectors and small images, ``DCGANEncoder`` without
normalisation for images) with ``latent_dim + num_clusters`` outputs, split in two: the first ``latent_dim`` are
``z_n`` (unbounded, like the noise), the last ``num_clusters`` the raw logits of the cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
from torch import nn

from lightning_gans.nets.encoder import DCGANEncoder, MLPEncoder


class ClusterEncoder(nn.Module):
    """``(N, *data_shape)`` -> ``((N, latent_dim)`` z_n, ``(N, num_clusters)`` logits``)``.

    Args:
        data_shape: shape of one sample, ``[D]`` or ``[C, S, S]``.
        latent_dim: size of the continuous part ``z_n``.
        num_clusters: K, the size of the one-hot part.
        architecture: ``"mlp"`` (LeakyReLU hidden layers) or ``"conv"`` (the DCGAN encoder's stride-2 trunk,
            ``S`` a power of two >= 16).
        hidden_dims: MLP hidden widths.
        width: conv width of the first layer.
    """

    def __init__(
        self,
        data_shape: Sequence[int] = (1, 32, 32),
        latent_dim: int = 30,
        num_clusters: int = 10,
        architecture: Literal["mlp", "conv"] = "conv",
        hidden_dims: Sequence[int] = (256, 256),
        width: int = 64,
    ) -> None:
        super().__init__()
        self.data_shape = tuple(int(s) for s in data_shape)
        self.latent_dim = latent_dim
        self.num_clusters = num_clusters
        outputs = latent_dim + num_clusters
        if architecture == "mlp":
            self.net = MLPEncoder(self.data_shape, outputs, hidden_dims)
        elif architecture == "conv":
            channels, size = self.data_shape[0], self.data_shape[-1]
            # no batch norm: E trains on fakes only, and running statistics of fakes would then be applied to
            # the real data it encodes afterwards
            self.net = DCGANEncoder(outputs, size, channels, width, norm="none")
        else:
            raise ValueError(f"architecture must be 'mlp' or 'conv', got {architecture!r}")

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(N, *data_shape)`` -> ``(z_n (N, latent_dim), logits (N, num_clusters))``."""
        h = self.net(x)
        return h[:, : self.latent_dim], h[:, self.latent_dim :]
