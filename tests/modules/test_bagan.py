"""BAGAN: the per-class Gaussian fit, the autoencoder start of G and D, shapes and one pass of the loop."""

import pytest
import torch
from lightning.pytorch import Trainer

from lightning_gans import DigitsDataModule
from lightning_gans.errors import ConfigError
from lightning_gans.modules.bagan import BAGAN, ClassGaussians, train_autoencoder


def tiny_bagan(**kwargs) -> BAGAN:
    return BAGAN(
        data_shape=[1, 16, 16],
        latent_dim=8,
        generator_width=8,
        discriminator_width=8,
        num_classes=3,
        **kwargs,
    )


def test_class_gaussians_fit_means_and_covariances():
    torch.manual_seed(0)
    codes = torch.cat([torch.randn(500, 4) * torch.tensor([1.0, 2.0, 0.5, 1.0]) + 3, torch.randn(300, 4) - 1])
    labels = torch.cat([torch.zeros(500), torch.ones(300)]).long()
    gaussians = ClassGaussians(num_classes=3, dim=4).fit(codes, labels, ridge=0.0)
    for c in (0, 1):
        members = codes[labels == c].double()
        assert torch.allclose(gaussians.mean[c].double(), members.mean(0), atol=1e-5)
        cov = gaussians.scale_tril[c] @ gaussians.scale_tril[c].T
        assert torch.allclose(cov.double(), torch.cov(members.T), atol=1e-4)
    # class 2 has no codes: it stays N(0, I)
    assert torch.equal(gaussians.mean[2], torch.zeros(4)) and torch.equal(
        gaussians.scale_tril[2], torch.eye(4)
    )
    # the noise is mapped into the class's Gaussian: the draws' moments approach the fit
    draws = gaussians(torch.randn(20000, 4), torch.zeros(20000, dtype=torch.long))
    assert torch.allclose(draws.mean(0), gaussians.mean[0], atol=0.05)
    assert torch.allclose(draws.std(0), codes[:500].std(0), rtol=0.05)


def test_class_gaussians_ridge_makes_a_small_class_drawable():
    """Fewer codes than dimensions: the sample covariance is singular, the ridge makes it positive definite."""
    torch.manual_seed(0)
    codes, labels = torch.randn(5, 8), torch.zeros(5, dtype=torch.long)
    gaussians = ClassGaussians(num_classes=1, dim=8).fit(codes, labels, ridge=0.01)
    assert torch.isfinite(gaussians.scale_tril).all() and (gaussians.scale_tril[0].diagonal() > 0).all()


def test_generator_and_discriminator_start_from_the_autoencoder():
    torch.manual_seed(0)
    model = tiny_bagan()
    x, y = torch.rand(40, 1, 16, 16) * 2 - 1, torch.arange(3).repeat(14)[:40]
    before = {k: v.clone() for k, v in model.generator.state_dict().items()}
    out = model.init_from_autoencoder(x, y, steps=3, batch_size=16)
    assert len(out["losses"]) == 3 and out["codes"].shape == (40, 8)
    for name, value in out["decoder"].state_dict().items():
        assert torch.equal(model.generator.state_dict()[name], value)
        assert torch.equal(model.generator_ema.state_dict()[name], value)
    assert any(not torch.equal(before[k], v) for k, v in model.generator.state_dict().items())
    for name, value in out["encoder"][0].state_dict().items():
        assert torch.equal(model.discriminator.body.state_dict()[name], value)
    assert torch.allclose(model.class_gaussians.mean[1], out["codes"][y == 1].mean(0), atol=1e-5)


def test_samples_come_from_the_class_gaussians():
    torch.manual_seed(0)
    model = tiny_bagan()
    model.class_gaussians.mean[2] = 5.0  # a class far from N(0, I)
    z, labels = torch.randn(6, 8), torch.tensor([0, 1, 2, 2, 1, 0])
    samples = model.sample(z=z, labels=labels)
    assert samples.shape == (6, 1, 16, 16) and samples.abs().max() <= 1
    net = model.generator_ema.eval()
    with torch.no_grad():
        expected = net(model.class_gaussians(z, labels), labels)
    assert torch.allclose(samples, expected)
    assert model.sample(labels=[2, 2, 0]).shape == (3, 1, 16, 16)


def test_autoencoder_loss_goes_down():
    torch.manual_seed(0)
    model = tiny_bagan()
    x, y = torch.rand(32, 1, 16, 16) * 2 - 1, torch.arange(3).repeat(11)[:32]
    losses = train_autoencoder(model.make_encoder(), model.generator, x, y, steps=30, batch_size=32)
    assert sum(losses[-5:]) < sum(losses[:5])


@pytest.mark.parametrize("fake_labels", ["data", "uniform"])
def test_one_adversarial_step_after_the_autoencoder(fake_labels, fast_trainer_kwargs):
    torch.manual_seed(0)
    model = BAGAN(
        data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8, num_classes=10,
        fake_labels=fake_labels,
    )  # fmt: skip
    data = DigitsDataModule(image_size=16, batch_size=16)
    data.setup()
    model.init_from_autoencoder(data.split["train"][:64], data.split["train_labels"][:64], steps=2)
    Trainer(max_steps=1, **fast_trainer_kwargs).fit(model, data)
    assert model.trainer.global_step == 1


def test_packing_is_refused():
    with pytest.raises(ConfigError, match="pack"):
        tiny_bagan(pack=2)
