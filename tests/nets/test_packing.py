"""Packing (PacGAN) building blocks: shapes, which samples share a pack, labels carried per sample; maxout."""

import pytest
import torch
from torch import nn

from lightning_gans.nets import Maxout, MaxoutDiscriminator, MLPGenerator, PackedDiscriminator, packed_shape
from lightning_gans.nets.packing import append_labels, pack_samples, packed_input_shape


class Recorder(nn.Module):
    """An inner discriminator that keeps what it was shown and returns the sum of each input."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(x.detach().clone())
        return x.flatten(1).sum(1)


def test_packed_shapes():
    assert packed_shape((2,), 4) == (8,)
    assert packed_shape((3, 16, 16), 2) == (6, 16, 16)
    assert packed_input_shape((2,), 1) == (2,)
    assert packed_input_shape((2,), 3, num_classes=5) == (21,)
    assert packed_input_shape((1, 32, 32), 2, num_classes=10) == (22, 32, 32)


def test_vectors_are_concatenated_per_pack():
    x = torch.arange(12.0).view(6, 2)
    packed = pack_samples(x, 3)
    assert packed.shape == (2, 6)
    torch.testing.assert_close(packed[0], torch.cat([x[0], x[1], x[2]]))
    torch.testing.assert_close(packed[1], torch.cat([x[3], x[4], x[5]]))


def test_images_are_concatenated_along_channels():
    x = torch.randn(4, 3, 5, 5)
    packed = pack_samples(x, 2)
    assert packed.shape == (2, 6, 5, 5)
    torch.testing.assert_close(packed[1], torch.cat([x[2], x[3]], dim=0))


def test_a_batch_of_partial_packs_is_refused():
    with pytest.raises(ValueError, match="multiple of 4"):
        pack_samples(torch.randn(6, 2), 4)


def test_packed_discriminator_scores_each_pack_of_distinct_samples():
    inner = Recorder()
    d = PackedDiscriminator(inner, pack=4)
    x = torch.randn(8, 2)
    out = d(x)
    assert out.shape == (2,)
    (seen,) = inner.seen
    assert seen.shape == (2, 8)
    slots = seen.view(2, 4, 2)
    torch.testing.assert_close(slots.reshape(8, 2), x)  # every sample of the batch, once, in its own slot
    assert len({tuple(s.tolist()) for s in slots[0]}) == 4


def test_conditional_packs_carry_each_samples_label():
    inner = Recorder()
    d = PackedDiscriminator(inner, pack=2, num_classes=3)
    x, labels = torch.randn(4, 2), torch.tensor([0, 2, 1, 1])
    assert d(x, labels).shape == (2,)
    (seen,) = inner.seen
    assert seen.shape == (2, 2 * (2 + 3))
    slots = seen.view(4, 5)
    torch.testing.assert_close(slots[:, :2], x)
    torch.testing.assert_close(slots[:, 2:], torch.eye(3)[labels])
    with pytest.raises(ValueError, match="labels"):
        d(x)


def test_image_labels_become_constant_planes():
    x, labels = torch.randn(2, 1, 3, 3), torch.tensor([1, 0])
    with_labels = append_labels(x, labels, 2)
    assert with_labels.shape == (2, 3, 3, 3)
    torch.testing.assert_close(with_labels[0, 1:], torch.stack([torch.zeros(3, 3), torch.ones(3, 3)]))
    torch.testing.assert_close(with_labels[:, :1], x)


def test_maxout_takes_the_max_over_pieces():
    layer = Maxout(3, 2, pieces=4)
    with torch.no_grad():
        layer.linear.weight.zero_()
        layer.linear.bias.copy_(torch.tensor([1.0, 5.0, 2.0, 0.0, -1.0, -3.0, -2.0, -4.0]))
    torch.testing.assert_close(layer(torch.randn(7, 3)), torch.tensor([[5.0, -1.0]]).expand(7, 2))


def test_maxout_discriminator_shapes_and_init():
    d = MaxoutDiscriminator(data_shape=(8,), hidden_dims=(20, 20, 20), pieces=5, init_std=0.02)
    assert d(torch.randn(6, 8)).shape == (6,)
    assert d.features(torch.randn(6, 8)).shape == (6, 20)
    assert d.net[1].linear.weight.shape == (100, 8)
    assert d.net[1].linear.weight.std().item() == pytest.approx(0.02, rel=0.2)
    assert (d.net[1].linear.bias == 0).all()


def test_mlp_generator_with_batch_norm_has_no_hidden_biases():
    g = MLPGenerator(2, (2,), (400, 400, 400, 400), batch_norm=True, init_std=0.02)
    linears = [m for m in g.net if isinstance(m, nn.Linear)]
    assert [m.bias is None for m in linears] == [True, True, True, True, False]
    assert sum(isinstance(m, nn.BatchNorm1d) for m in g.net) == 4
    assert g(torch.randn(10, 2)).shape == (10, 2)
    with pytest.raises(ValueError, match="unconditional"):
        MLPGenerator(2, (2,), (8,), num_classes=3, batch_norm=True)
