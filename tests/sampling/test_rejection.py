"""DRS and MH-GAN on GANs whose discriminator is the true log density ratio, then (slow) on a trained 2-D GAN.

The exact toy: the generator is the identity on N(0, 1) noise, so q = N(0, 1); the data are p = N(mu, 1), so
``log p(x)/q(x) = mu * x - mu^2 / 2``, and the discriminator is that affine map (conditional: mu = the class).
Corrected samples should move from q's mean 0 toward mu. Real ``GAN`` objects throughout: only their networks
are these small modules.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lightning_gans import GAN
from lightning_gans.errors import ConfigError
from lightning_gans.sampling import RejectionSampler, discriminator_scores


class IdentityGenerator(nn.Module):
    """``(N, 1)`` noise -> ``(N, 1)`` samples, unchanged (q = the noise's N(0, 1)); ignores labels."""

    latent_dim = 1
    data_shape = (1,)

    def __init__(self) -> None:
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))  # optimizers need a parameter

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return z


class LogRatio(nn.Module):
    """``(N, 1)`` samples (and ``(N,)`` classes) -> ``(N,)`` ``mu * x - mu^2 / 2`` with mu = ``mean`` or the class:
    the log density ratio of N(mu, 1) to N(0, 1)."""

    def __init__(self, mean: float = 1.0, scale: float = 1.0) -> None:
        super().__init__()
        self.mean, self.scale = mean, scale

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        mu = torch.full_like(x[:, 0], self.mean) if labels is None else labels.to(x)
        return self.scale * (mu * x[:, 0] - mu**2 / 2)


def exact_gan(num_classes: int | None = None, scale: float = 1.0) -> GAN:
    return GAN(IdentityGenerator(), LogRatio(scale=scale), latent_dim=1, num_classes=num_classes)


def real_draws(n: int, labels: torch.Tensor | None = None, seed: int = 1) -> torch.Tensor:
    """``(n, 1)`` draws of p: N(1, 1), or N(label, 1) per row."""
    noise = torch.randn(n, 1, generator=torch.Generator().manual_seed(seed))
    return noise + (1.0 if labels is None else labels.float()[:, None])


def test_scores_are_the_discriminator_logits():
    model = exact_gan()
    x = torch.tensor([[0.0], [1.0], [2.0]])
    assert torch.allclose(discriminator_scores(model, x), torch.tensor([-0.5, 0.5, 1.5]))


@pytest.mark.parametrize("method", ["drs", "mh"])
def test_corrected_samples_move_toward_the_data(method):
    torch.manual_seed(0)
    # scale 5: an over-confident discriminator; the calibration has to undo it for MH to land on N(1, 1)
    model = exact_gan(scale=5.0)
    sampler = RejectionSampler(model, real_draws(4000), method=method, burn_in=4000, proposals=20)
    assert sampler.calibration.slope == pytest.approx(0.2, rel=0.1)
    x = sampler.sample(4000)
    assert x.shape == (4000, 1)
    plain = model.sample(4000)
    assert abs(float(plain.mean())) < 0.1
    if method == "mh":  # MH targets p itself: mean 1, spread 1
        assert float(x.mean()) == pytest.approx(1.0, abs=0.12)
        assert float(x.std()) == pytest.approx(1.0, abs=0.12)
    else:
        # DRS keeps x with sigmoid(F - gamma): about proportional to p/q below the gamma threshold (exact
        # rejection sampling there) and about 1 above it, so the high-ratio tail is under-weighted: the mean lands
        # between q's 0 and p's 1 (0.76 on this seed), much nearer p
        assert 0.6 < float(x.mean()) < 1.0
    # the acceptance rate is reported: DRS keeps about 5% with gamma at the 95th percentile, MH moves often
    assert 0 < sampler.acceptance_rate < (0.2 if method == "drs" else 0.9)
    assert sampler.proposed >= 4000 and f"{100 * sampler.acceptance_rate:.1f}%" in sampler.describe()


@pytest.mark.parametrize("method", ["drs", "mh"])
def test_conditional_samples_follow_the_asked_labels(method):
    torch.manual_seed(0)
    model = exact_gan(num_classes=3)
    real_labels = torch.arange(3).repeat(1000)
    sampler = RejectionSampler(
        model, real_draws(3000, real_labels), real_labels, method=method, burn_in=3000, gamma_percentile=80
    )
    asked = torch.tensor([0, 2]).repeat_interleave(1500)
    x = sampler.sample(labels=asked)
    class_0, class_2 = float(x[asked == 0].mean()), float(x[asked == 2].mean())
    assert abs(class_0) < 0.15  # class 0: p = q, nothing to correct
    assert class_2 > 1.2  # class 2: p = N(2, 1), q = N(0, 1)
    assert sampler.sample(5, labels=1).shape == (5, 1)


def test_refusals_name_the_fix():
    from lightning_gans.modules.translation import CycleGAN

    cyclegan = CycleGAN(
        channels_a=1,
        channels_b=1,
        image_size=16,
        generator_width=4,
        discriminator_width=4,
        n_blocks=1,
        discriminator_layers=2,
    )
    with pytest.raises(ConfigError, match="no `discriminator`.*without --rejection"):
        RejectionSampler(cyclegan, torch.zeros(8, 1, 16, 16))
    with pytest.raises(ConfigError, match="conditional.*labels"):
        RejectionSampler(exact_gan(num_classes=3), real_draws(100))
    with pytest.raises(ConfigError, match="one of drs, mh"):
        RejectionSampler(exact_gan(), real_draws(100), method="topk")
    # a discriminator that prefers generated samples cannot be calibrated into a density ratio
    inverted = GAN(IdentityGenerator(), LogRatio(mean=-1.0), latent_dim=1)
    with pytest.raises(ConfigError, match="cannot be calibrated"):
        RejectionSampler(inverted, real_draws(2000))
    sampler = RejectionSampler(exact_gan(), real_draws(200), burn_in=200)
    with pytest.raises(ConfigError, match="unconditional"):
        sampler.sample(4, labels=[0, 0, 0, 0])


def test_drs_gives_up_with_the_fix_when_nothing_is_accepted():
    torch.manual_seed(0)
    sampler = RejectionSampler(exact_gan(), real_draws(500), burn_in=500, gamma_percentile=100)
    sampler.gamma = 1e9  # nothing can pass
    with pytest.raises(ConfigError, match="lower --gamma_percentile"):
        sampler.sample(3)


def test_a_packed_discriminator_scores_copies_of_the_sample():
    # a PacGAN discriminator of pack 2 over the 2 x 1 packed features: the sum of the two members' log ratios
    class PackSum(nn.Module):
        def forward(self, x):
            return (x - 0.5).sum(dim=1)

    model = GAN(IdentityGenerator(), PackSum(), latent_dim=1, pack=2)
    x = torch.tensor([[0.0], [1.0], [3.0]])
    assert torch.allclose(discriminator_scores(model, x), torch.tensor([-0.5, 0.5, 2.5]))
