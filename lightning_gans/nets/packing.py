"""Packed discriminators (PacGAN; Lin, Khetan, Fanti, Oh, NeurIPS 2018): D judges m samples at once.

The discriminator sees ``m`` samples concatenated along their first axis, all real or all generated: vectors
``(N, d) -> (N/m, m*d)``, images ``(N, C, H, W) -> (N/m, m*C, H, W)`` (channel concatenation, as in the paper).
A generator that collapses onto a few modes makes packs whose samples look alike, which a packed discriminator
sees at once; that is the whole mechanism, and it costs nothing but a wider first layer.

Consecutive samples of a batch form a pack: rows ``k*m .. k*m + m - 1`` are pack ``k``. Real batches are shuffled
(or sampled fresh) and fakes are independent draws, so consecutive rows are as good as random packs.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn.functional import one_hot

from lightning_gans.errors import ConfigError


def check_pack(pack: int) -> int:
    """``pack`` itself, or a ConfigError naming the fix when it is not an integer >= 1."""
    if isinstance(pack, bool) or not isinstance(pack, int) or pack < 1:
        raise ConfigError(
            f"pack must be an integer >= 1 (samples per discriminator input; 1 = no packing), got {pack!r}. "
            "Set model pack to 1, or 2 to 4 as in PacGAN."
        )
    return pack


def packed_shape(data_shape: Sequence[int], pack: int) -> tuple[int, ...]:
    """The shape of one packed input: ``(d,) -> (m*d,)``, ``(C, H, W) -> (m*C, H, W)``."""
    first, *rest = data_shape
    return (pack * first, *rest)


def labelled_shape(data_shape: Sequence[int], num_classes: int | None) -> tuple[int, ...]:
    """The shape of one sample with its one-hot label appended (see ``append_labels``): ``(d,) -> (d+K,)``,
    ``(C, H, W) -> (C+K, H, W)``; unchanged when ``num_classes`` is None."""
    if num_classes is None:
        return tuple(data_shape)
    first, *rest = data_shape
    return (first + num_classes, *rest)


def packed_input_shape(
    data_shape: Sequence[int], pack: int, num_classes: int | None = None
) -> tuple[int, ...]:
    """The shape of one input of the discriminator inside a ``PackedDiscriminator``: m samples, each with its
    one-hot label when conditional, e.g. ``(2,)``, m = 4 -> ``(8,)``; ``(1, 32, 32)``, K = 10, m = 2 ->
    ``(22, 32, 32)``. For ``pack`` 1 and no labels it is ``data_shape`` itself."""
    return packed_shape(labelled_shape(data_shape, num_classes), check_pack(pack))


def append_labels(x: torch.Tensor, labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``(N, F, *rest)`` samples and ``(N,)`` labels -> ``(N, F+K, *rest)``: the one-hot label as K more features
    (vectors) or K constant planes (images)."""
    codes = one_hot(labels, num_classes).to(x)
    codes = codes.view(*codes.shape, *([1] * (x.dim() - 2))).expand(-1, -1, *x.shape[2:])
    return torch.cat([x, codes], dim=1)


def pack_samples(x: torch.Tensor, pack: int) -> torch.Tensor:
    """``(N, F, *rest)`` -> ``(N/m, m*F, *rest)``: consecutive samples concatenated along their first axis.

    A reshape: the samples of a pack are contiguous in memory, so no copy is made. ``N`` must be a multiple of
    ``pack``.
    """
    n = x.shape[0]
    if n % pack:
        raise ValueError(
            f"a batch of {n} samples cannot be cut into packs of {pack}: use a batch size that is a multiple "
            f"of {pack}."
        )
    return x.reshape(n // pack, pack * x.shape[1], *x.shape[2:])


class PackedDiscriminator(nn.Module):
    """Wraps a discriminator so that it judges packs: ``(N, *data_shape)`` samples -> ``(N/m,)`` logits.

    ``discriminator`` receives the packed tensor ``(N/m, m*F, *rest)`` (``F`` the first axis of a sample, plus K
    with labels) and must return one logit (or critic value) per pack. ``GAN(pack=m)`` wraps its discriminator in
    this module, so the training loop, the losses and the gradient penalty are unchanged: they see one output per
    pack.

    Conditional models (``num_classes`` K): every sample carries its own label into the pack, as a one-hot vector
    appended to its features (vectors) or as K constant planes (images), before packing; ``discriminator`` is then
    unconditional. Why: a pack holds m samples with m possibly different labels, so a projection discriminator
    (one label per input) has no single label to project on; appending each label to its own sample keeps every
    (sample, label) pair intact inside the pack, and the discriminator judges m pairs jointly, which is the
    paper's packing applied to the joint distribution of (x, y) that a conditional discriminator models.

    Args:
        discriminator: the inner network, ``(N/m, m*F, *rest)`` -> ``(N/m,)``.
        pack: m, samples per pack (>= 2; ``GAN`` does not wrap for 1).
        num_classes: K for a conditional model (``forward`` then takes the ``(N,)`` labels), else None.
    """

    def __init__(self, discriminator: nn.Module, pack: int, num_classes: int | None = None) -> None:
        super().__init__()
        self.discriminator = discriminator
        self.pack = pack
        self.num_classes = num_classes

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None):
        """``(N, *data_shape)`` (and ``(N,)`` labels when conditional) -> ``(N/m,)`` logits of the packs."""
        if self.num_classes is not None:
            if labels is None:
                raise ValueError("this packed discriminator is conditional: call it with (x, labels)")
            x = append_labels(x, labels, self.num_classes)
        return self.discriminator(pack_samples(x, self.pack))
