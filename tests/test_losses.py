"""Loss values computed by hand on small logits."""

import math

import pytest
import torch

from lightning_gans import losses
from lightning_gans.nets import PackedDiscriminator


def log_sigmoid(x: float) -> float:
    return -math.log1p(math.exp(-x))


REAL = torch.tensor([2.0, -1.0])
FAKE = torch.tensor([0.5, -3.0])


def test_bce_discriminator_loss_by_hand():
    # -mean(log s(real)) - mean(log(1 - s(fake))), with log(1 - s(x)) = log s(-x)
    expected = -(log_sigmoid(2.0) + log_sigmoid(-1.0)) / 2 - (log_sigmoid(-0.5) + log_sigmoid(3.0)) / 2
    assert losses.bce_discriminator_loss(REAL, FAKE).item() == pytest.approx(expected, rel=1e-6)


def test_nonsaturating_generator_loss_by_hand():
    expected = -(log_sigmoid(0.5) + log_sigmoid(-3.0)) / 2
    assert losses.nonsaturating_generator_loss(FAKE).item() == pytest.approx(expected, rel=1e-6)


def test_minimax_generator_loss_by_hand():
    expected = (log_sigmoid(-0.5) + log_sigmoid(3.0)) / 2  # mean log(1 - D(G(z)))
    assert losses.minimax_generator_loss(FAKE).item() == pytest.approx(expected, rel=1e-6)


def test_minimax_saturates_where_nonsaturating_does_not():
    # When D confidently rejects fakes (very negative logits) the minimax gradient vanishes.
    logits = torch.tensor([-8.0], requires_grad=True)
    (g_minimax,) = torch.autograd.grad(losses.minimax_generator_loss(logits), logits)
    (g_nonsat,) = torch.autograd.grad(losses.nonsaturating_generator_loss(logits), logits)
    assert abs(g_minimax.item()) < 1e-3 < abs(g_nonsat.item())


def test_wasserstein_losses_by_hand():
    assert losses.wasserstein_critic_loss(REAL, FAKE).item() == pytest.approx(
        (0.5 - 3.0) / 2 - (2.0 - 1.0) / 2
    )
    assert losses.wasserstein_generator_loss(FAKE).item() == pytest.approx(-(0.5 - 3.0) / 2)


def test_hinge_loss_by_hand():
    # relu(1 - [2, -1]) = [0, 2]; relu(1 + [0.5, -3]) = [1.5, 0]
    assert losses.hinge_discriminator_loss(REAL, FAKE).item() == pytest.approx(1.0 + 0.75)


class LinearCritic(torch.nn.Module):
    """D(x) = w . x, whose input gradient is w everywhere, so its norm is |w|."""

    def __init__(self, w: torch.Tensor) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(w)

    def forward(self, x):
        return x.flatten(1) @ self.w


@pytest.mark.parametrize("norm", [0.5, 1.0, 3.0])
def test_gradient_penalty_of_linear_critic(norm):
    w = torch.tensor([3.0, 4.0]) / 5.0 * norm  # |w| = norm
    critic = LinearCritic(w)
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    penalty = losses.gradient_penalty(critic, real, fake)
    assert penalty.item() == pytest.approx((norm - 1.0) ** 2, abs=1e-6)
    # the penalty trains the critic: d/dw (|w| - 1)^2 = 2 (|w| - 1) w / |w|
    (grad,) = torch.autograd.grad(penalty, critic.w)
    torch.testing.assert_close(grad, 2 * (norm - 1) * w / norm)


def test_gradient_penalty_on_images_uses_whole_sample_norm():
    w = torch.zeros(1 * 4 * 4)
    w[0], w[5] = 2.0, 0.0  # |w| = 2
    penalty = losses.gradient_penalty(LinearCritic(w), torch.randn(8, 1, 4, 4), torch.randn(8, 1, 4, 4))
    assert penalty.item() == pytest.approx(1.0)


def test_gradient_penalty_uses_one_coefficient_per_sample(monkeypatch):
    shapes = []
    real_rand = torch.rand

    def recording_rand(*size, **kwargs):
        shapes.append(tuple(size))
        return real_rand(*size, **kwargs)

    monkeypatch.setattr(torch, "rand", recording_rand)
    losses.gradient_penalty(
        LinearCritic(torch.ones(3 * 4 * 4)), torch.randn(5, 3, 4, 4), torch.randn(5, 3, 4, 4)
    )
    assert shapes == [(5, 1, 1, 1)]


def test_gradient_penalty_with_grad_scale_matches_unscaled():
    critic = LinearCritic(torch.tensor([0.3, -2.0]))
    real, fake = torch.randn(4, 2), torch.randn(4, 2)
    torch.manual_seed(0)
    plain = losses.gradient_penalty(critic, real, fake)
    torch.manual_seed(0)
    scaled = losses.gradient_penalty(critic, real, fake, grad_scale=65536.0)
    torch.testing.assert_close(plain, scaled)


def test_r1_penalty_of_linear_critic():
    w = torch.tensor([1.0, 2.0])
    assert losses.r1_penalty(LinearCritic(w), torch.randn(6, 2)).item() == pytest.approx(5.0)


class QuadraticCritic(torch.nn.Module):
    """D(p) = |p|^2 / 2 per (packed) input: its input gradient is p itself, so the norm depends on where the
    interpolate lies, which makes the coefficients and the grouping visible."""

    def forward(self, x):
        return 0.5 * x.flatten(1).pow(2).sum(1)


def test_gradient_penalty_of_a_packed_critic_by_hand():
    pack, real, fake = 2, torch.randn(6, 2), torch.randn(6, 2)
    critic = PackedDiscriminator(QuadraticCritic(), pack)
    torch.manual_seed(0)
    penalty = losses.gradient_penalty(critic, real, fake, pack=pack)
    torch.manual_seed(0)
    alpha = torch.rand(3)  # one coefficient per pack
    packs_hat = alpha[:, None] * real.reshape(3, 4) + (1 - alpha[:, None]) * fake.reshape(3, 4)
    expected = ((packs_hat.norm(dim=1) - 1) ** 2).mean()  # gradient = the packed interpolate itself
    torch.testing.assert_close(penalty, expected)


def test_a_packed_critic_gets_one_coefficient_per_pack(monkeypatch):
    shapes = []
    real_rand = torch.rand

    def recording_rand(*size, **kwargs):
        shapes.append(tuple(size))
        return real_rand(*size, **kwargs)

    monkeypatch.setattr(torch, "rand", recording_rand)
    mixed = losses.interpolate_inputs(torch.zeros(8, 1, 2, 2), torch.ones(8, 1, 2, 2), pack=4)
    assert shapes == [(2, 1, 1, 1)]
    # the four samples of a pack share their coefficient
    assert all(len(set(mixed[k : k + 4].flatten().tolist())) == 1 for k in (0, 4))
