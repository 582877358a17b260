"""InfoGAN's discriminator: one trunk, an adversarial head and a Q head that estimates the latent codes.

The Q head reads the trunk's last hidden features (Chen et al. 2016: Q and D share all convolutional layers), so
the trunk learns from both the adversarial loss and the mutual-information term. Which optimizer trains which
part is the module's business (``InfoGAN.phase_parameters``): the trunk with D, the Q head with both D and G.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lightning_gans.mutual_information import QOutput
from lightning_gans.nets.dcgan import DCGANDiscriminator, dcgan_init_
from lightning_gans.nets.mlp import MLPDiscriminator


class InfoDiscriminator(nn.Module):
    """``(N, *data_shape)`` -> ``((N,)`` adversarial logits, ``QOutput``)``.

    Args:
        trunk: ``(N, *data_shape)`` -> ``(N, feature_dim)`` features.
        feature_dim: width of the trunk's output.
        categorical_codes: the number of values of each categorical code, e.g. ``(10,)``.
        continuous_codes: number of continuous codes ``C``.
        q_hidden: width of the Q head's hidden layer.
        data_shape: shape of one sample (read by the start-up shape check).
    """

    def __init__(
        self,
        trunk: nn.Module,
        feature_dim: int,
        categorical_codes: Sequence[int],
        continuous_codes: int,
        q_hidden: int = 128,
        data_shape: Sequence[int] = (1, 32, 32),
    ) -> None:
        super().__init__()
        self.trunk = trunk
        self.head = nn.Linear(feature_dim, 1)
        self.categorical_codes = tuple(int(k) for k in categorical_codes)
        self.continuous_codes = int(continuous_codes)
        q_out = sum(self.categorical_codes) + 2 * self.continuous_codes
        # no batch norm in the Q head: it also runs inside the WGAN-GP critic, where per-batch statistics
        # would make one sample's output depend on the others
        self.q_head = nn.Sequential(
            nn.Linear(feature_dim, q_hidden), nn.LeakyReLU(0.2), nn.Linear(q_hidden, q_out)
        )
        self.data_shape = tuple(data_shape)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N, feature_dim)``: the trunk's output, shared by both heads."""
        return self.trunk(x)

    def q(self, h: torch.Tensor) -> QOutput:
        """``(N, feature_dim)`` features -> Q's raw categorical logits and Gaussian ``(mean, log_std)``."""
        out = self.q_head(h)
        logits = torch.split(out[:, : sum(self.categorical_codes)], self.categorical_codes, dim=1)
        mean, log_std = out[:, sum(self.categorical_codes) :].chunk(2, dim=1)
        return QOutput(tuple(logits), mean, log_std)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, QOutput]:
        """``(N, *data_shape)`` -> ``((N,)`` logits, ``QOutput``)``."""
        h = self.features(x)
        return self.head(h).squeeze(1), self.q(h)


class InfoDCGANDiscriminator(InfoDiscriminator):
    """Convolutional InfoGAN discriminator: the trunk of ``DCGANDiscriminator`` (all but its last 4x4
    convolution, flattened to ``(N, 16 * maps)``), a linear adversarial head (what that convolution computes)
    and the Q head. ``norm="none"`` or ``"layer"`` for a WGAN-GP critic."""

    def __init__(
        self,
        image_size: int = 32,
        channels: int = 1,
        width: int = 64,
        norm: str = "batch",
        categorical_codes: Sequence[int] = (10,),
        continuous_codes: int = 2,
        q_hidden: int = 128,
    ) -> None:
        layers = DCGANDiscriminator(image_size, channels, width, norm).net
        feature_dim = layers[-1].in_channels * 4 * 4
        super().__init__(
            nn.Sequential(*layers[:-1], nn.Flatten()),
            feature_dim,
            categorical_codes,
            continuous_codes,
            q_hidden,
            data_shape=(channels, image_size, image_size),
        )
        dcgan_init_(self.head)
        dcgan_init_(self.q_head)


class InfoMLPDiscriminator(InfoDiscriminator):
    """MLP InfoGAN discriminator: the hidden layers of ``MLPDiscriminator`` (LeakyReLU, no norm, so it is a
    WGAN-GP critic as well) as the trunk, ``(N, hidden_dims[-1])`` features."""

    def __init__(
        self,
        data_shape: Sequence[int] = (1, 32, 32),
        hidden_dims: Sequence[int] = (256, 256),
        categorical_codes: Sequence[int] = (10,),
        continuous_codes: int = 2,
        q_hidden: int = 128,
    ) -> None:
        if not hidden_dims:
            raise ValueError("an InfoGAN discriminator needs at least one hidden layer (hidden_dims)")
        layers = MLPDiscriminator(data_shape, hidden_dims).net
        super().__init__(
            nn.Sequential(nn.Flatten(), *layers[:-1]),
            hidden_dims[-1],
            categorical_codes,
            continuous_codes,
            q_hidden,
            data_shape=tuple(data_shape),
        )
