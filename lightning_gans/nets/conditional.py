"""Class-conditional building blocks: conditional batch norm for generators, a projection discriminator.

Conditional batch norm (de Vries et al. 2017; Miyato & Koyama 2018): batch norm without its own affine
parameters, followed by a per-class scale and shift read from two embeddings. The projection discriminator
(Miyato & Koyama, "cGANs with Projection Discriminator", ICLR 2018) scores ``linear(h) + <embed(y), h>`` for the
features ``h`` of an unconditional trunk, optionally with an ACGAN class head on the same features.
"""

from __future__ import annotations

import torch
from torch import nn


class ConditionalBatchNorm(nn.Module):
    """Batch norm whose scale and shift come from a class embedding.

    ``y = gamma[label] * BN(x) + beta[label]`` with ``gamma`` initialised around 1 (N(1, 0.02), as DCGAN
    initialises batch-norm scales) and ``beta`` at 0, so an untrained layer behaves like plain batch norm.

    Args:
        num_features: channels (``(N, C, H, W)`` input) or features (``(N, C)`` input).
        num_classes: number of classes K.
        dims: 2 for images (``BatchNorm2d``), 1 for vectors (``BatchNorm1d``).
    """

    def __init__(self, num_features: int, num_classes: int, dims: int = 2) -> None:
        super().__init__()
        norm = nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
        self.norm = norm(num_features, affine=False)
        self.scale = nn.Embedding(num_classes, num_features)
        self.shift = nn.Embedding(num_classes, num_features)
        nn.init.normal_(self.scale.weight, 1.0, 0.02)
        nn.init.zeros_(self.shift.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """``(N, C, ...)`` features and ``(N,)`` labels -> ``(N, C, ...)``."""
        shape = (x.shape[0], -1) + (1,) * (x.dim() - 2)
        return self.scale(labels).view(shape) * self.norm(x) + self.shift(labels).view(shape)


class ConditionalSequential(nn.Sequential):
    """``nn.Sequential`` that hands the labels to its ``ConditionalBatchNorm`` layers: ``forward(x, labels)``."""

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        for layer in self:
            x = layer(x, labels) if isinstance(layer, ConditionalBatchNorm) else layer(x)
        return x


class ProjectionDiscriminator(nn.Module):
    """``(x, labels)`` -> ``(N,)`` logits ``linear(h) + <embed(y), h>`` with ``h = body(x)`` of shape ``(N, F)``.

    With ``aux_classifier`` it returns ``(logits, class_logits)``, ``class_logits`` ``(N, K)`` from a linear
    head on the same ``h`` (ACGAN's auxiliary classifier; the caller adds its cross-entropy).

    Args:
        body: the unconditional trunk, ``(N, *data_shape)`` -> ``(N, F)`` features.
        feature_dim: F.
        num_classes: K.
        aux_classifier: add the ``(N, K)`` class head.
        data_shape: the shape of one input sample (for the start-up shape check), or None.
    """

    def __init__(
        self,
        body: nn.Module,
        feature_dim: int,
        num_classes: int,
        aux_classifier: bool = False,
        data_shape: tuple[int, ...] | None = None,
    ) -> None:
        super().__init__()
        self.body = body
        self.linear = nn.Linear(feature_dim, 1)
        self.embed = nn.Embedding(num_classes, feature_dim)
        # small like the DCGAN init: with N(0, 1) the projection of F features would swamp linear(h) at start
        nn.init.normal_(self.embed.weight, 0.0, 0.02)
        self.classifier = nn.Linear(feature_dim, num_classes) if aux_classifier else None
        self.num_classes = num_classes
        if data_shape is not None:
            self.data_shape = tuple(data_shape)

    def features(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """``(N, *data_shape)`` -> ``(N, F)``: the trunk's features ``h`` (the labels do not enter them)."""
        return self.body(x)

    def forward(
        self, x: torch.Tensor, labels: torch.Tensor
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """``(N, *data_shape)``, ``(N,)`` -> ``(N,)`` logits, or ``((N,), (N, K))`` with the class head."""
        h = self.features(x)
        logits = self.linear(h).squeeze(1) + (self.embed(labels) * h).sum(1)
        if self.classifier is None:
            return logits
        return logits, self.classifier(h)
