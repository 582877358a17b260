"""ClusterGAN: the latent-recovery terms on hand-made tensors, the latent it draws, which networks each phase
trains, the WGAN-GP defaults, inference (encode, reconstruct, predict_cluster), refusals and the checkpoint."""

import math

import pytest
import torch
from lightning.pytorch import Trainer
from lightning.pytorch.callbacks import ModelCheckpoint

from lightning_gans import ClusterGAN, DigitsDataModule, Toy2DDataModule
from lightning_gans.capabilities import Clusters, Encodes, HasCodes
from lightning_gans.checkpoint import load_gan
from lightning_gans.errors import ConfigError
from lightning_gans.losses import latent_recovery_losses
from lightning_gans.modules.latent import Latent
from tests.modules.test_families import PhaseCheck


def tiny_clustergan(**kwargs) -> ClusterGAN:
    """8x8 images, MLPs of 32 units, 3 noise dims and 4 clusters."""
    args = dict(data_shape=[1, 8, 8], latent_dim=3, num_clusters=4, architecture="mlp", hidden_dims=[32])
    return ClusterGAN(**(args | kwargs))


# ------------------------------------------------------------------------------------ the loss terms
def test_latent_terms_are_weighted_mse_and_cross_entropy_of_raw_logits():
    z_n = torch.tensor([[0.1, -0.2], [0.0, 0.3]])
    encoded_n = torch.tensor([[0.3, -0.2], [0.0, 0.0]])  # squared errors 0.04, 0, 0, 0.09 -> mean 0.0325
    logits = torch.tensor([[0.0, math.log(3)], [0.0, math.log(3)]])  # softmax (1/4, 3/4)
    cluster = torch.tensor([1, 0])  # -(log 3/4 + log 1/4) / 2
    terms = latent_recovery_losses(z_n, cluster, encoded_n, logits, beta_n=10.0, beta_c=2.0)
    assert set(terms) == {"latent_n", "latent_c"}
    assert terms["latent_n"].item() == pytest.approx(10 * 0.0325, rel=1e-6)
    assert terms["latent_c"].item() == pytest.approx(-2 * (math.log(0.75) + math.log(0.25)) / 2, rel=1e-6)


def test_the_generator_phase_adds_the_encoder_terms_of_the_fakes_and_the_critic_phase_none():
    torch.manual_seed(0)
    model = tiny_clustergan(beta_n=3.0, beta_c=5.0)
    latent = model.draw_latent(6)
    fake = model.generate(latent)  # with G's graph, as in the generator phase
    real = torch.randn(6, 1, 8, 8)
    assert model.discriminator_inputs(real, None, fake, latent) == ((real,), (fake,))
    z_hat, logits = model.encoder(fake)
    terms = model.auxiliary_losses("generator", None, None, None, latent)
    expected = latent_recovery_losses(latent.z, latent.codes.argmax(1), z_hat, logits, 3.0, 5.0)
    torch.testing.assert_close(terms, expected)
    # the critic phase's fakes are detached: E does not run there and adds nothing
    model.discriminator_inputs(real, None, fake.detach(), latent)
    assert model.auxiliary_losses("discriminator", None, None, None, latent) == {}
    assert model.auxiliary_losses("generator", None, None, None, latent) == {}


# ------------------------------------------------------------------------------------------ the latent
def test_the_latent_is_small_noise_and_a_uniform_one_hot():
    torch.manual_seed(0)
    model = tiny_clustergan(latent_dim=4, num_clusters=5)
    latent = model.draw_latent(20_000)
    assert latent.z.shape == (20_000, 4) and latent.codes.shape == (20_000, 5)
    assert latent.z.std().item() == pytest.approx(0.1, rel=0.02)  # sigma 0.1 by default
    assert latent.z.mean().abs().item() < 0.005
    assert torch.equal(latent.codes.sum(1), torch.ones(20_000))  # exactly one 1 per row
    assert set(latent.codes.unique().tolist()) == {0.0, 1.0}
    assert (latent.codes.mean(0) - 0.2).abs().max().item() < 0.015  # uniform over the 5 clusters
    # the generator takes the noise and the one-hot together
    assert model.generator.latent_dim == 4 + 5 and model.latent_dim == 4


def test_given_noise_cycles_the_clusters_and_sample_with_codes_holds_them():
    model = tiny_clustergan()
    assert torch.equal(
        model.sampling_latent(z=torch.zeros(6, 3)).codes.argmax(1), torch.tensor([0, 1, 2, 3, 0, 1])
    )
    codes = torch.stack([model.code_vector([2])] * 3)
    assert torch.equal(codes.argmax(1), torch.tensor([2, 2, 2]))
    assert model.sample_with_codes(torch.zeros(3, 3), codes).shape == (3, 1, 8, 8)
    with pytest.raises(ValueError, match="one categorical code"):
        model.code_vector([1], [0.5])


# -------------------------------------------------------------------------------------------- training
def test_defaults_are_the_papers_wgan_gp_settings():
    model = ClusterGAN(data_shape=[1, 16, 16], generator_width=8, critic_width=8, encoder_width=8)
    assert (model.latent_dim, model.num_clusters, model.noise_std) == (30, 10, 0.1)
    assert (model.beta_n, model.beta_c, model.gp_weight, model.d_steps) == (10.0, 10.0, 10.0, 5)
    assert model.generator_ema is None  # an averaged G would not match its encoder
    optimizer = model.default_optimizer([torch.nn.Parameter(torch.zeros(1))])
    assert optimizer.defaults["lr"] == 1e-4 and optimizer.defaults["betas"] == (0.5, 0.9)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.discriminator.modules())
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([0.0, 1.0])
    assert model.discriminator_loss(real, fake).item() == pytest.approx(-1.5)  # E[D(G(z))] - E[D(x)]
    assert model.generator_loss(fake).item() == pytest.approx(-0.5)


def test_the_encoder_trains_with_the_generator_only(fast_trainer_kwargs):
    check = PhaseCheck(lambda m: {"G": m.generator, "E": m.encoder, "D": m.discriminator})
    model = ClusterGAN(data_shape=[2], latent_dim=2, num_clusters=3, hidden_dims=[16], d_steps=2)
    Trainer(max_steps=3, callbacks=[check], **fast_trainer_kwargs).fit(
        model, Toy2DDataModule("ring8", batch_size=16)
    )
    assert check.changed["discriminator"] == [{"D"}] * 6
    assert check.changed["generator"] == [{"G", "E"}] * 3


def test_settings_that_cannot_work_are_refused():
    with pytest.raises(ConfigError, match="num_clusters"):
        tiny_clustergan(num_clusters=1)
    with pytest.raises(ConfigError, match="noise_std"):
        tiny_clustergan(noise_std=0.0)
    with pytest.raises(ConfigError, match="beta_n and beta_c"):
        tiny_clustergan(beta_c=-1.0)
    with pytest.raises(ConfigError, match="cannot be class-conditional"):
        tiny_clustergan(num_classes=10)
    with pytest.raises(ConfigError, match="pack"):
        tiny_clustergan(pack=2)


# ------------------------------------------------------------------------------------------- inference
def test_encode_reconstruct_and_predict_cluster_read_the_encoder():
    torch.manual_seed(0)
    model = tiny_clustergan().eval()
    assert isinstance(model, Encodes) and isinstance(model, Clusters) and isinstance(model, HasCodes)
    x = torch.rand(5, 1, 8, 8) * 2 - 1
    z_n, logits = model.encoder(x)
    encoded = model.encode(x)
    assert encoded.shape == (5, 3 + 4)
    torch.testing.assert_close(encoded, torch.cat([z_n, logits.softmax(1)], 1))
    assert torch.equal(model.predict_cluster(x, batch_size=2), logits.argmax(1))
    expected = model.generate(Latent(z_n, codes=logits.softmax(1)))
    torch.testing.assert_close(model.reconstruct(x), expected)
    with pytest.raises(ConfigError, match="one categorical code"):
        model.predict_cluster(x, code=1)


def test_checkpoint_loads_with_load_gan(tmp_path, fast_trainer_kwargs):
    torch.manual_seed(0)
    model = tiny_clustergan()
    kwargs = fast_trainer_kwargs | {"enable_checkpointing": True}
    checkpoint = ModelCheckpoint(dirpath=tmp_path / "ckpt", save_last=True)
    Trainer(max_steps=2, callbacks=[checkpoint], **kwargs).fit(
        model, DigitsDataModule(image_size=8, batch_size=16)
    )
    loaded = load_gan(tmp_path / "ckpt" / "last.ckpt")
    assert type(loaded) is ClusterGAN and loaded.num_clusters == 4
    x = torch.rand(4, 1, 8, 8) * 2 - 1
    torch.testing.assert_close(loaded.encode(x), model.eval().encode(x))


# ---------------------------------------------------------------------------------------------- learning
@pytest.mark.slow
def test_the_encoder_recovers_the_cluster_of_the_generators_own_samples(fast_trainer_kwargs):
    """A small problem: 8x8 digits, 4 clusters, 300 generator steps; E must name the one-hot of G's fakes far
    above chance (0.25)."""
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = ClusterGAN(
        data_shape=[1, 8, 8],
        latent_dim=4,
        num_clusters=4,
        architecture="mlp",
        hidden_dims=[64, 64],
        d_steps=2,
        generator_optimizer=lambda p: torch.optim.Adam(p, 1e-3, betas=(0.5, 0.9)),
        discriminator_optimizer=lambda p: torch.optim.Adam(p, 1e-3, betas=(0.5, 0.9)),
    )
    Trainer(max_steps=300, **fast_trainer_kwargs).fit(model, DigitsDataModule(image_size=8, batch_size=64))
    model.eval()
    latent = model.draw_latent(2000)
    fakes = model.sample_with_codes(latent.z, latent.codes)
    recovered = model.predict_cluster(fakes)
    accuracy = (recovered == latent.codes.argmax(1)).float().mean().item()
    assert accuracy > 0.9, accuracy
