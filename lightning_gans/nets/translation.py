"""Image-to-image translation networks of CycleGAN and pix2pix (Zhu et al. 2017; Isola et al. 2017).

- ``ResnetGenerator``: 7x7 conv, two stride-2 downsamplings, residual blocks, two upsamplings, 7x7 conv, tanh
  (Johnson et al.'s style-transfer network; CycleGAN's generator).
- ``UnetGenerator``: an encoder-decoder down to 1x1 with skip connections between mirrored layers (pix2pix).
- ``PatchDiscriminator``: a fully convolutional discriminator that scores overlapping patches (PatchGAN);
  ``n_layers=3`` sees 70x70 patches.

The defaults follow the reference implementation (``junyanz/pytorch-CycleGAN-and-pix2pix``): ngf = ndf = 64,
convolutions without bias before batch norm (its shift makes the bias redundant), weights ~ N(0, 0.02).
All images are ``(N, C, H, W)``; generators end in ``tanh`` so outputs are in [-1, 1] like the data.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn

from lightning_gans.errors import ConfigError
from lightning_gans.nets.dcgan import dcgan_init_

Norm = Literal["instance", "batch", "none"]
NORMS = ("instance", "batch", "none")

__all__ = [
    "NORMS",
    "PatchDiscriminator",
    "ResnetBlock",
    "ResnetGenerator",
    "UnetGenerator",
    "norm_layer",
    "patch_output_size",
    "receptive_field",
    "translation_init_",
]


def check_norm(norm: str) -> str:
    """``norm`` if it is one of ``NORMS``, else a ConfigError naming them."""
    if norm not in NORMS:
        raise ConfigError(f"norm must be 'instance', 'batch' or 'none', got {norm!r}.")
    return norm


def norm_layer(norm: Norm, channels: int) -> nn.Module:
    """The normalisation after a convolution with ``channels`` outputs.

    ``"instance"``: ``InstanceNorm2d`` without affine parameters or running statistics (the reference's
    choice: per-image statistics at training and test time alike); ``"batch"``: ``BatchNorm2d``; ``"none"``:
    identity.
    """
    check_norm(norm)
    if norm == "instance":
        return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)
    if norm == "batch":
        return nn.BatchNorm2d(channels)
    return nn.Identity()


def _uses_bias(norm: Norm) -> bool:
    # batch norm's learnt shift does what a bias would; instance norm here has no affine part, so convs keep it
    return norm != "batch"


def translation_init_(module: nn.Module) -> None:
    """The reference's ``init_type normal``: conv weights ~ N(0, 0.02), batch-norm weights ~ N(1, 0.02),
    biases 0 (the same rule as DCGAN's)."""
    dcgan_init_(module)


class ResnetBlock(nn.Module):
    """``(N, C, H, W) -> (N, C, H, W)``: ``x + conv(relu(norm(conv(x))))`` with 3x3 convs and reflection
    padding (no zero borders, which show as artefacts at image edges)."""

    def __init__(self, channels: int, norm: Norm = "instance", dropout: bool = False) -> None:
        super().__init__()
        bias = _uses_bias(norm)
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3, bias=bias),
            norm_layer(norm, channels),
            nn.ReLU(True),
        ]
        if dropout:
            layers.append(nn.Dropout(0.5))
        layers += [
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3, bias=bias),
            norm_layer(norm, channels),
        ]
        self.block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


class ResnetGenerator(nn.Module):
    """``(N, in_channels, H, W) -> (N, out_channels, H, W)`` in [-1, 1]; H and W multiples of
    ``2 ** n_downsampling``.

    Reflection pad 3 + 7x7 conv to ``ngf`` maps, ``n_downsampling`` stride-2 3x3 convs (doubling the maps),
    ``n_blocks`` residual blocks at ``ngf * 2 ** n_downsampling`` maps, as many stride-2 transposed convs back,
    reflection pad 3 + 7x7 conv to ``out_channels``, tanh. CycleGAN uses 9 blocks at 256x256 and 6 at 128x128.

    Args:
        in_channels, out_channels: image channels of the source and target domains (1 -> 3 is fine).
        ngf: feature maps of the first layer.
        n_blocks: residual blocks at the lowest resolution.
        norm: ``"instance"`` (reference), ``"batch"`` or ``"none"``.
        n_downsampling: stride-2 downsamplings (and upsamplings).
        dropout: dropout 0.5 inside each residual block (off in the reference's CycleGAN).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        ngf: int = 64,
        n_blocks: int = 9,
        norm: Norm = "instance",
        n_downsampling: int = 2,
        dropout: bool = False,
    ) -> None:
        super().__init__()
        check_norm(norm)
        if n_blocks < 0 or n_downsampling < 0:
            raise ConfigError(f"n_blocks and n_downsampling must be >= 0, got {n_blocks}, {n_downsampling}.")
        bias = _uses_bias(norm)
        self.in_channels, self.out_channels = in_channels, out_channels
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(in_channels, ngf, 7, bias=bias),
            norm_layer(norm, ngf),
            nn.ReLU(True),
        ]
        for i in range(n_downsampling):
            maps = ngf * 2**i
            layers += [
                nn.Conv2d(maps, maps * 2, 3, stride=2, padding=1, bias=bias),
                norm_layer(norm, maps * 2),
                nn.ReLU(True),
            ]
        maps = ngf * 2**n_downsampling
        layers += [ResnetBlock(maps, norm, dropout) for _ in range(n_blocks)]
        for i in range(n_downsampling):
            maps = ngf * 2 ** (n_downsampling - i)
            layers += [
                nn.ConvTranspose2d(maps, maps // 2, 3, stride=2, padding=1, output_padding=1, bias=bias),
                norm_layer(norm, maps // 2),
                nn.ReLU(True),
            ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)
        translation_init_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class _UnetBlock(nn.Module):
    """One level of the U-Net: ``x -> cat(x, up(inner(down(x))))`` (the outermost level returns
    ``up(...)`` without the skip, through tanh).

    ``(N, outer, H, W) -> (N, 2 * outer, H, W)`` (outermost: ``(N, in, H, W) -> (N, out, H, W)``).
    """

    def __init__(
        self,
        outer: int,
        inner: int,
        submodule: nn.Module | None,
        norm: Norm,
        in_channels: int | None = None,
        outermost: bool = False,
        dropout: bool = False,
    ) -> None:
        super().__init__()
        self.outermost = outermost
        bias = _uses_bias(norm)
        in_channels = outer if in_channels is None else in_channels
        down_conv = nn.Conv2d(in_channels, inner, 4, stride=2, padding=1, bias=bias)
        innermost = submodule is None
        # the innermost level sees its input at twice the resolution of its 1x1 bottleneck, no skip to concat
        up_in = inner if innermost else inner * 2
        if outermost:
            down = [down_conv]
            up = [nn.ReLU(True), nn.ConvTranspose2d(up_in, outer, 4, stride=2, padding=1), nn.Tanh()]
        elif innermost:
            # no norm on the 1x1 bottleneck: instance norm of one value is 0, batch norm of batch 1 too
            down = [nn.LeakyReLU(0.2), down_conv]
            up = [
                nn.ReLU(True),
                nn.ConvTranspose2d(up_in, outer, 4, stride=2, padding=1, bias=bias),
                norm_layer(norm, outer),
            ]
        else:
            # not in place: x itself is also the skip connection's input
            down = [nn.LeakyReLU(0.2), down_conv, norm_layer(norm, inner)]
            up = [
                nn.ReLU(True),
                nn.ConvTranspose2d(up_in, outer, 4, stride=2, padding=1, bias=bias),
                norm_layer(norm, outer),
            ]
            if dropout:
                up.append(nn.Dropout(0.5))
        middle = [] if innermost else [submodule]
        self.model = nn.Sequential(*down, *middle, *up)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.outermost:
            return self.model(x)
        # the skip: the parent's decoder starts with ReLU, so it sees relu(x) whichever activation x had
        return torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    """``(N, in_channels, H, W) -> (N, out_channels, H, W)`` in [-1, 1]; H = W = ``2 ** num_downs`` (or a
    multiple of it).

    ``num_downs`` stride-2 4x4 convs (LeakyReLU 0.2) take the image down to 1x1, as many stride-2 transposed convs
    (ReLU) take it back; each decoder level also receives its mirrored encoder level's maps (skip connections), so
    low-level structure (edges, layout) passes straight through. Feature maps: ``ngf, 2 ngf, 4 ngf, 8 ngf, 8 ngf,
    ...``. Dropout 0.5 after the decoder levels that have ``8 ngf`` maps on both sides, except the innermost (the
    middle three of the reference's U-Net-256; none below 64x64); it is pix2pix's only noise.

    Args:
        in_channels, out_channels: image channels of A and B.
        num_downs: downsamplings (8 for 256x256: U-Net-256); None = ``log2(image_size)``.
        image_size: used when ``num_downs`` is None; a power of two >= 4.
        ngf: feature maps of the outermost level.
        norm: ``"batch"`` (reference), ``"instance"`` or ``"none"``.
        dropout: the reference's dropout (on).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        num_downs: int | None = None,
        ngf: int = 64,
        norm: Norm = "batch",
        dropout: bool = True,
        image_size: int = 256,
    ) -> None:
        super().__init__()
        check_norm(norm)
        if num_downs is None:
            if image_size < 4 or image_size & (image_size - 1):
                raise ConfigError(
                    f"UnetGenerator needs a power-of-two image size >= 4 to derive num_downs, got {image_size}. "
                    "Set num_downs or an image size of 16, 32, ..., 256."
                )
            num_downs = int(math.log2(image_size))
        if num_downs < 2:
            raise ConfigError(f"num_downs must be >= 2, got {num_downs}.")
        self.in_channels, self.out_channels, self.num_downs = in_channels, out_channels, num_downs

        def maps(level: int) -> int:  # feature maps after the level-th downsampling (0 = outermost)
            return ngf * min(2**level, 8)

        block = None
        for level in range(num_downs - 1, 0, -1):  # innermost first; level 0 is the outermost block
            block = _UnetBlock(
                maps(level - 1),
                maps(level),
                block,
                norm,
                dropout=dropout and level >= 4 and block is not None,  # 8 ngf maps in and out
            )
        self.model = _UnetBlock(out_channels, ngf, block, norm, in_channels=in_channels, outermost=True)
        translation_init_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class PatchDiscriminator(nn.Module):
    """``(N, in_channels, H, W) -> (N, 1, H', W')`` logits, one per overlapping patch (PatchGAN).

    A 4x4 stride-2 conv (LeakyReLU 0.2, no norm), ``n_layers - 1`` more stride-2 4x4 convs doubling the maps (up
    to ``8 ndf``) with norm, one stride-1 4x4 conv with norm, and a stride-1 4x4 conv to one channel.
    ``n_layers=3`` gives the 70x70 PatchGAN (``receptive_field(3) == 70``); H' = H / 2**n_layers - 2, so
    ``n_layers=3`` needs H >= 24 (use 2 for 16x16 images). For pix2pix, feed ``cat(A, B)`` with
    ``in_channels = C_a + C_b``.

    Args:
        in_channels: channels of what it judges.
        ndf: feature maps of the first layer.
        n_layers: stride-2 layers.
        norm: ``"batch"`` (reference), ``"instance"`` or ``"none"`` (use instance or none with a gradient
            penalty: batch norm mixes the samples of a batch).
    """

    def __init__(self, in_channels: int, ndf: int = 64, n_layers: int = 3, norm: Norm = "batch") -> None:
        super().__init__()
        check_norm(norm)
        if n_layers < 1:
            raise ConfigError(f"n_layers must be >= 1, got {n_layers}.")
        self.n_layers = n_layers
        bias = _uses_bias(norm)
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, ndf, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2, True),
        ]
        maps = ndf
        for n in range(1, n_layers + 1):
            out = ndf * min(2**n, 8)
            stride = 2 if n < n_layers else 1  # the last widening conv keeps the resolution
            layers += [
                nn.Conv2d(maps, out, 4, stride=stride, padding=1, bias=bias),
                norm_layer(norm, out),
                nn.LeakyReLU(0.2, True),
            ]
            maps = out
        layers.append(nn.Conv2d(maps, 1, 4, stride=1, padding=1))
        self.model = nn.Sequential(*layers)
        translation_init_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def receptive_field(n_layers: int = 3) -> int:
    """The side of the input patch one output of ``PatchDiscriminator(n_layers=...)`` sees (70 for 3).

    Walks the conv stack from the output back: ``r <- (r - 1) * stride + kernel`` for each layer (all 4x4;
    stride 2 for the first ``n_layers``, then 1, 1).
    """
    strides = [2] * n_layers + [1, 1]
    r = 1
    for stride in reversed(strides):
        r = (r - 1) * stride + 4
    return r


def patch_output_size(image_size: int, n_layers: int = 3) -> int:
    """H' of ``PatchDiscriminator(n_layers=...)`` on ``image_size`` x ``image_size`` inputs (<= 0: too small)."""
    size = image_size
    for _ in range(n_layers):
        size = (size + 2 - 4) // 2 + 1
    return size - 2  # two stride-1 4x4 convs with padding 1 each lose one pixel
