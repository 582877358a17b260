"""Default networks by data shape: the one place that chooses MLP or conv, projection or plain, packed or not.

``VanillaGAN``, ``DCGAN`` and ``WGANGP`` are recipes over ``GAN``: each picks an architecture and widths, and these
functions build the networks for the data shape, the class count (conditional: a generator with conditional batch
norm and a projection discriminator, with an ACGAN head when ``ac_weight`` > 0) and the pack size (PacGAN: each
sample's one-hot label goes into the pack, no projection).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from torch import nn

from lightning_gans.errors import ConfigError
from lightning_gans.nets import (
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
    ProjectionDCGANDiscriminator,
    ProjectionMLPDiscriminator,
)
from lightning_gans.nets.packing import packed_input_shape

Architecture = Literal["mlp", "conv"]


def image_shape(data_shape: Sequence[int]) -> tuple[int, int]:
    """``(channels, size)`` of a square ``[C, H, W]`` shape, or a ConfigError naming the fix."""
    if len(data_shape) != 3 or data_shape[1] != data_shape[2] or data_shape[0] not in (1, 3):
        raise ConfigError(
            f"data_shape must be [channels, size, size] with 1 or 3 channels, got {list(data_shape)}; "
            "e.g. [1, 32, 32] for digits/MNIST or [3, 64, 64] for CelebA."
        )
    return int(data_shape[0]), int(data_shape[1])


def resolve_architecture(architecture: str, data_shape: Sequence[int]) -> Architecture:
    """``"auto"`` -> MLP for 1-D data shapes (vectors, 2-D points), conv for images; else checked as given."""
    if architecture == "auto":
        return "mlp" if len(data_shape) == 1 else "conv"
    if architecture not in ("mlp", "conv"):
        raise ConfigError(f"architecture must be 'auto', 'mlp' or 'conv', got {architecture!r}.")
    return architecture  # type: ignore[return-value]


def check_latent_dim(latent_dim: int) -> None:
    """The noise must have at least one dimension."""
    if not isinstance(latent_dim, int) or latent_dim < 1:
        raise ConfigError(
            f"latent_dim must be an integer >= 1, got {latent_dim!r}. Set model latent_dim, e.g. 64."
        )


def given_or_default(network: nn.Module | None, make_default: Callable[[], nn.Module]) -> nn.Module:
    """The network a user passed, else a freshly built default (``is None``, not truthiness: containers of
    zero length are falsy)."""
    return network if network is not None else make_default()


def latent_dim_of(generator: nn.Module | None, default: int) -> int:
    """A passed generator's own ``latent_dim`` wins over the variant's default."""
    return getattr(generator, "latent_dim", default) if generator is not None else default


def default_generator(
    architecture: Architecture,
    latent_dim: int,
    data_shape: Sequence[int],
    hidden_dims: Sequence[int] = (256, 256, 256),
    width: int = 64,
    num_classes: int | None = None,
) -> nn.Module:
    """``(N, latent_dim)`` -> ``(N, *data_shape)``: an MLP (tanh output for images, linear for vectors) or a
    DCGAN generator; conditional batch norm when ``num_classes`` is set."""
    if architecture == "mlp":
        out = "tanh" if len(data_shape) > 1 else "none"
        return MLPGenerator(latent_dim, data_shape, hidden_dims, out, num_classes=num_classes)
    channels, size = image_shape(data_shape)
    return DCGANGenerator(latent_dim, size, channels, width, num_classes)


def default_discriminator(
    architecture: Architecture,
    data_shape: Sequence[int],
    hidden_dims: Sequence[int] = (256, 256, 256),
    width: int = 64,
    norm: str = "batch",
    num_classes: int | None = None,
    ac_weight: float = 0.0,
    pack: int = 1,
) -> nn.Module:
    """``(N, *data_shape)`` -> ``(N,)`` logits: an MLP or a DCGAN discriminator with ``norm``; a projection
    discriminator when conditional (with a class head when ``ac_weight`` > 0); for ``pack`` m > 1 a plain one
    whose input is ``packed_input_shape(data_shape, m, num_classes)``."""
    plain = num_classes is None or pack > 1  # a pack carries its labels as inputs (see GAN)
    d_shape = packed_input_shape(data_shape, pack, num_classes)
    aux = ac_weight > 0
    if architecture == "mlp":
        if plain:
            return MLPDiscriminator(d_shape, hidden_dims)
        return ProjectionMLPDiscriminator(data_shape, hidden_dims, num_classes, aux_classifier=aux)
    channels, size = image_shape(data_shape)
    if plain:
        return DCGANDiscriminator(size, d_shape[0], width, norm=norm)
    return ProjectionDCGANDiscriminator(size, channels, width, norm, num_classes, aux_classifier=aux)
