"""Conditional networks: shapes, conditional batch norm and the projection term on hand-computed cases."""

import pytest
import torch
from torch import nn

from lightning_gans.nets import (
    ConditionalBatchNorm,
    DCGANGenerator,
    MLPGenerator,
    ProjectionDCGANDiscriminator,
    ProjectionDiscriminator,
    ProjectionMLPDiscriminator,
)


@pytest.mark.parametrize("size", [16, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("aux", [False, True])
def test_conditional_dcgan_shapes(size, channels, aux):
    g = DCGANGenerator(latent_dim=8, image_size=size, channels=channels, width=4, num_classes=5)
    d = ProjectionDCGANDiscriminator(size, channels, width=4, num_classes=5, aux_classifier=aux)
    labels = torch.tensor([0, 4, 2])
    x = g(torch.randn(3, 8), labels)
    assert x.shape == (3, channels, size, size) and x.abs().max() <= 1.0
    out = d(x, labels)
    if aux:
        assert out[0].shape == (3,) and out[1].shape == (3, 5)
    else:
        assert out.shape == (3,)
    assert g.data_shape == d.data_shape == (channels, size, size)
    assert not any(isinstance(m, nn.BatchNorm2d) and m.affine for m in g.modules())  # all conditional


@pytest.mark.parametrize("data_shape", [(2,), (1, 16, 16)])
def test_conditional_mlp_shapes(data_shape):
    g = MLPGenerator(4, data_shape, (16, 8), "tanh", num_classes=3)
    d = ProjectionMLPDiscriminator(data_shape, (16, 8), num_classes=3, aux_classifier=True)
    labels = torch.tensor([0, 1, 2, 1])
    x = g(torch.randn(4, 4), labels)
    assert x.shape == (4, *data_shape)
    logits, class_logits = d(x, labels)
    assert logits.shape == (4,) and class_logits.shape == (4, 3)


def test_the_label_changes_the_generated_sample():
    g = DCGANGenerator(latent_dim=8, image_size=16, width=4, num_classes=3).eval()
    nn.init.normal_(g.net[1].shift.weight)  # trained embeddings differ per class; fresh ones start equal-ish
    z = torch.randn(1, 8).repeat(3, 1)
    x = g(z, torch.tensor([0, 1, 2]))
    assert not torch.allclose(x[0], x[1]) and not torch.allclose(x[1], x[2])


def test_conditional_batch_norm_by_hand():
    cbn = ConditionalBatchNorm(2, num_classes=2, dims=1)
    with torch.no_grad():
        cbn.scale.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
        cbn.shift.weight.copy_(torch.tensor([[0.0, 0.5], [-1.0, 1.0]]))
    x = torch.tensor([[1.0, 0.0], [3.0, 2.0]])  # per feature: mean (2, 1), biased std (1, 1)
    # normalised: (-1, -1) and (1, 1)
    out = cbn(x, torch.tensor([0, 1]))
    # sample 0 gets class 0's scale (1, 2) and shift (0, 0.5); sample 1 class 1's (3, 4) and (-1, 1)
    expected = torch.tensor([[-1.0, -1.5], [2.0, 5.0]])
    torch.testing.assert_close(out, expected, atol=1e-4, rtol=0)


def test_projection_term_by_hand():
    d = ProjectionDiscriminator(nn.Identity(), feature_dim=2, num_classes=2)
    with torch.no_grad():
        d.linear.weight.copy_(torch.tensor([[1.0, 2.0]]))
        d.linear.bias.fill_(0.5)
        d.embed.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, -1.0]]))
    h = torch.tensor([[3.0, 4.0], [3.0, 4.0]])
    # linear(h) = 3 + 8 + 0.5 = 11.5; <embed(0), h> = 3; <embed(1), h> = -4
    torch.testing.assert_close(d(h, torch.tensor([0, 1])), torch.tensor([14.5, 7.5]))
