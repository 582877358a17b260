"""The translation networks: output shapes (odd channel counts), the PatchGAN's 70x70 receptive field, the
U-Net's dropout placement, the norm helper and the reference initialisation."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lightning_gans.errors import ConfigError
from lightning_gans.nets import PatchDiscriminator, ResnetGenerator, UnetGenerator
from lightning_gans.nets.translation import norm_layer, patch_output_size, receptive_field


@pytest.mark.parametrize("norm", ["instance", "batch", "none"])
def test_resnet_generator_maps_1_to_3_channels_at_the_same_size(norm):
    net = ResnetGenerator(1, 3, ngf=8, n_blocks=2, norm=norm)
    out = net(torch.randn(2, 1, 16, 16))
    assert out.shape == (2, 3, 16, 16)
    assert out.abs().max() <= 1  # tanh


@pytest.mark.parametrize("image_size", [16, 32])
def test_unet_generator_maps_1_to_3_channels_with_levels_from_the_image_size(image_size):
    net = UnetGenerator(1, 3, ngf=8, image_size=image_size)
    assert net.num_downs == {16: 4, 32: 5}[image_size]
    out = net(torch.randn(2, 1, image_size, image_size))
    assert out.shape == (2, 3, image_size, image_size)
    assert out.abs().max() <= 1


def test_unet_256_has_the_reference_dropout_layers():
    # U-Net-256: 8 levels; dropout in the three middle 8*ngf decoder levels, not the innermost
    net = UnetGenerator(3, 3, num_downs=8, ngf=1)
    assert sum(isinstance(m, nn.Dropout) for m in net.modules()) == 3
    assert not any(
        isinstance(m, nn.Dropout) for m in UnetGenerator(3, 3, num_downs=8, ngf=1, dropout=False).modules()
    )


def test_unet_refuses_an_image_size_it_cannot_halve_to_one_pixel():
    with pytest.raises(ConfigError, match="power-of-two"):
        UnetGenerator(3, 3, ngf=8, image_size=24)


def test_patchgan_receptive_field_is_70_at_three_layers():
    assert receptive_field(3) == 70
    assert [receptive_field(n) for n in (1, 2)] == [16, 34]


def test_patchgan_receptive_field_measured_by_gradients():
    # one output pixel's input gradient is non-zero exactly on its receptive field: with positive weights and
    # inputs every activation is positive, so no gradient cancels inside the field
    net = PatchDiscriminator(1, ndf=2, n_layers=3, norm="none")
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.constant_(m.weight, 0.01)
            nn.init.zeros_(m.bias)
    x = torch.ones(1, 1, 128, 128, requires_grad=True)
    out = net(x)
    assert out.shape[-1] == patch_output_size(128, 3) == 14
    out[0, 0, 7, 7].backward()
    rows = x.grad[0, 0].abs().sum(1).nonzero().flatten()
    cols = x.grad[0, 0].abs().sum(0).nonzero().flatten()
    assert int(rows[-1] - rows[0] + 1) == 70 and int(cols[-1] - cols[0] + 1) == 70


@pytest.mark.parametrize(("image_size", "n_layers"), [(16, 2), (32, 3), (64, 3)])
def test_patchgan_output_shape(image_size, n_layers):
    net = PatchDiscriminator(4, ndf=8, n_layers=n_layers)
    out = net(torch.randn(2, 4, image_size, image_size))
    side = patch_output_size(image_size, n_layers)
    assert out.shape == (2, 1, side, side)


def test_norm_helper():
    assert isinstance(norm_layer("instance", 4), nn.InstanceNorm2d)
    assert isinstance(norm_layer("batch", 4), nn.BatchNorm2d)
    assert isinstance(norm_layer("none", 4), nn.Identity)
    with pytest.raises(ConfigError, match="instance"):
        norm_layer("layer", 4)


def test_reference_initialisation():
    torch.manual_seed(0)
    net = PatchDiscriminator(3, ndf=64, n_layers=3, norm="batch")
    weights = torch.cat([m.weight.detach().flatten() for m in net.modules() if isinstance(m, nn.Conv2d)])
    weights = weights.double()
    assert abs(float(weights.mean())) < 1e-3 and float(weights.std()) == pytest.approx(0.02, rel=0.05)
    norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert norms and all(float(m.bias.abs().max()) == 0 for m in norms)
    # convs before batch norm carry no bias (its shift does the same); the first and last convs do
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert [c.bias is not None for c in convs] == [True, False, False, False, True]
