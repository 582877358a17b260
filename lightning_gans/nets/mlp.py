"""Multi-layer perceptron generator and discriminator (vanilla GAN, WGAN-GP on 2-D data)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn.functional import one_hot

from lightning_gans.nets.conditional import (
    ConditionalBatchNorm,
    ConditionalSequential,
    ProjectionDiscriminator,
)


def _mlp(
    in_features: int,
    hidden_dims: Sequence[int],
    out_features: int,
    activation: nn.Module,
    batch_norm: bool = False,
) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = in_features
    for hidden in hidden_dims:
        if batch_norm:  # batch norm's shift makes the linear layer's bias redundant
            layers += [nn.Linear(width, hidden, bias=False), nn.BatchNorm1d(hidden), activation]
        else:
            layers += [nn.Linear(width, hidden), activation]
        width = hidden
    layers.append(nn.Linear(width, out_features))
    return nn.Sequential(*layers)


def _conditional_mlp(
    in_features: int, hidden_dims: Sequence[int], out_features: int, num_classes: int
) -> ConditionalSequential:
    """Linear -> conditional batch norm -> ReLU per hidden layer, then a linear output."""
    layers: list[nn.Module] = []
    width = in_features
    for hidden in hidden_dims:
        layers += [nn.Linear(width, hidden), ConditionalBatchNorm(hidden, num_classes, dims=1), nn.ReLU()]
        width = hidden
    layers.append(nn.Linear(width, out_features))
    return ConditionalSequential(*layers)


def normal_init_(module: nn.Module, std: float) -> None:
    """Every ``nn.Linear`` of ``module``: weights ~ N(0, std), biases 0 (PacGAN's and DCGAN's initialisation)."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class MLPGenerator(nn.Module):
    """Maps noise ``z`` of shape ``(N, latent_dim)`` to samples of shape ``(N, *data_shape)``.

    Args:
        latent_dim: size of the noise vector.
        data_shape: shape of one sample, e.g. ``(2,)`` for 2-D points or ``(1, 32, 32)`` for images.
        hidden_dims: widths of the hidden layers.
        output_activation: ``"tanh"`` for data scaled to [-1, 1] (images), ``"none"`` for unbounded data (2-D toys).
        num_classes: K makes it class-conditional: ``forward`` takes ``(z, labels)``, the one-hot label is
            appended to ``z`` and each hidden layer gets a ``ConditionalBatchNorm`` (scale and shift from a class
            embedding; see ``DCGANGenerator`` for why both). None = unconditional (no norm unless ``batch_norm``).
        batch_norm: unconditional only: each hidden layer is ``Linear`` without bias -> ``BatchNorm1d`` -> ReLU
            (PacGAN's 2-D generator) instead of ``Linear`` -> ReLU.
        init_std: linear weights ~ N(0, init_std) and biases 0; None keeps PyTorch's default initialisation.
    """

    def __init__(
        self,
        latent_dim: int = 64,
        data_shape: Sequence[int] = (2,),
        hidden_dims: Sequence[int] = (256, 256, 256),
        output_activation: str = "none",
        num_classes: int | None = None,
        batch_norm: bool = False,
        init_std: float | None = None,
    ) -> None:
        super().__init__()
        if output_activation not in ("tanh", "none"):
            raise ValueError(f"output_activation must be 'tanh' or 'none', got {output_activation!r}")
        if batch_norm and num_classes is not None:
            raise ValueError("batch_norm is for unconditional generators; a conditional one has its own norm")
        self.latent_dim = latent_dim
        self.data_shape = tuple(data_shape)
        self.num_classes = num_classes
        out = math.prod(self.data_shape)
        if num_classes is None:
            self.net = _mlp(latent_dim, hidden_dims, out, nn.ReLU(), batch_norm)
        else:
            self.net = _conditional_mlp(latent_dim + num_classes, hidden_dims, out, num_classes)
        self.output_activation = nn.Tanh() if output_activation == "tanh" else nn.Identity()
        if init_std is not None:
            normal_init_(self.net, init_std)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """``(N, latent_dim)`` (and ``(N,)`` labels when conditional) -> ``(N, *data_shape)``."""
        if self.num_classes is None:
            h = self.net(z)
        else:
            h = self.net(torch.cat([z, one_hot(labels, self.num_classes).to(z)], dim=1), labels)
        return self.output_activation(h).view(z.shape[0], *self.data_shape)


class MLPDiscriminator(nn.Module):
    """Maps samples of shape ``(N, *data_shape)`` to one logit (or critic value) each, shape ``(N,)``.

    Uses LeakyReLU(0.2) and no normalisation, so it serves as a WGAN-GP critic as well.
    """

    def __init__(
        self, data_shape: Sequence[int] = (2,), hidden_dims: Sequence[int] = (256, 256, 256)
    ) -> None:
        super().__init__()
        self.data_shape = tuple(data_shape)
        self.net = _mlp(math.prod(self.data_shape), hidden_dims, 1, nn.LeakyReLU(0.2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N,)`` logits."""
        return self.net(x.flatten(1)).squeeze(1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N, hidden_dims[-1])``: the last hidden layer (f-AnoGAN's ``f_D``)."""
        return self.net[:-1](x.flatten(1))


class ProjectionMLPDiscriminator(ProjectionDiscriminator):
    """Class-conditional MLP discriminator: ``(N, *data_shape)`` samples and ``(N,)`` labels -> ``(N,)`` logits.

    ``h`` is the last hidden layer of ``MLPDiscriminator`` (``(N, hidden_dims[-1])``, after LeakyReLU); the
    score is ``linear(h) + <embed(y), h>``. With ``aux_classifier`` it returns ``(logits, (N, K) class_logits)``.
    No normalisation, so it serves as a WGAN-GP critic too.
    """

    def __init__(
        self,
        data_shape: Sequence[int] = (2,),
        hidden_dims: Sequence[int] = (256, 256, 256),
        num_classes: int = 10,
        aux_classifier: bool = False,
    ) -> None:
        if not hidden_dims:
            raise ValueError("a projection discriminator needs at least one hidden layer (hidden_dims)")
        trunk = MLPDiscriminator(data_shape, hidden_dims).net
        super().__init__(
            nn.Sequential(nn.Flatten(), *trunk[:-1]),
            hidden_dims[-1],
            num_classes,
            aux_classifier,
            data_shape=tuple(data_shape),
        )
