"""Network output shapes at every supported size, and the DCGAN recipe's details."""

import pytest
import torch
from torch import nn

from lightning_gans.nets import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator


@pytest.mark.parametrize("size", [8, 16, 32, 64, 128])
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_shapes(size, channels):
    g = DCGANGenerator(latent_dim=8, image_size=size, channels=channels, width=4)
    d = DCGANDiscriminator(image_size=size, channels=channels, width=4)
    x = g(torch.randn(2, 8))
    assert x.shape == (2, channels, size, size)
    assert x.abs().max() <= 1.0  # tanh output
    assert d(x).shape == (2,)
    assert g.data_shape == d.data_shape == (channels, size, size)


@pytest.mark.parametrize("size", [4, 12, 24, 48, 100])
def test_dcgan_rejects_sizes_that_are_not_powers_of_two(size):
    with pytest.raises(ValueError, match="power of two"):
        DCGANGenerator(image_size=size)
    with pytest.raises(ValueError, match="power of two"):
        DCGANDiscriminator(image_size=size)


def test_dcgan_recipe():
    torch.manual_seed(0)
    g, d = DCGANGenerator(image_size=64, channels=3), DCGANDiscriminator(image_size=64, channels=3)
    convs = [m for m in [*g.modules(), *d.modules()] if isinstance(m, nn.Conv2d | nn.ConvTranspose2d)]
    weights = torch.cat([m.weight.flatten() for m in convs])
    assert weights.mean().abs() < 1e-3 and abs(weights.std().item() - 0.02) < 1e-3
    assert any(isinstance(m, nn.BatchNorm2d) for m in d.modules())
    slopes = {m.negative_slope for m in d.modules() if isinstance(m, nn.LeakyReLU)}
    assert slopes == {0.2}
    # the first discriminator layer has no batch norm (Radford et al.)
    assert isinstance(d.net[1], nn.LeakyReLU)
    # 64x64: 512 maps at 4x4 in the generator, as in the paper
    assert g.net[0].out_channels == 512


@pytest.mark.parametrize("norm", ["none", "layer"])
def test_critic_has_no_batch_norm(norm):
    d = DCGANDiscriminator(image_size=32, norm=norm)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in d.modules())
    # per-sample: a critic's output for one sample does not depend on the rest of the batch
    x = torch.randn(4, 1, 32, 32)
    torch.testing.assert_close(d(x)[:1], d(x[:1]))


@pytest.mark.parametrize("shape", [(2,), (1, 16, 16), (3, 8, 8)])
def test_mlp_shapes(shape):
    g = MLPGenerator(latent_dim=5, data_shape=shape, hidden_dims=(8,), output_activation="tanh")
    d = MLPDiscriminator(data_shape=shape, hidden_dims=(8,))
    x = g(torch.randn(3, 5))
    assert x.shape == (3, *shape)
    assert d(x).shape == (3,)


def test_mlp_generator_output_activation():
    g = MLPGenerator(latent_dim=2, data_shape=(2,), hidden_dims=(4,), output_activation="none")
    with torch.no_grad():
        g.net[-1].bias.fill_(10.0)
    assert g(torch.zeros(1, 2)).abs().max() > 1  # unbounded for 2-D data
    with pytest.raises(ValueError, match="output_activation"):
        MLPGenerator(output_activation="sigmoid")
