"""InfoGAN: the mutual-information terms by hand, the code distributions, which networks each phase trains,
the WGAN-GP variant, clustering with Q and the checkpoint round trip."""

import math

import pytest
import torch
from lightning.pytorch import Trainer
from lightning.pytorch.callbacks import ModelCheckpoint
from scipy import stats
from torch import nn

from lightning_gans import DigitsDataModule, InfoGAN
from lightning_gans.checkpoint import load_gan
from lightning_gans.errors import ConfigError
from lightning_gans.mutual_information import (
    categorical_info_loss,
    continuous_info_loss,
    draw_codes,
    split_codes,
)
from tests.modules.test_families import PhaseCheck

HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def tiny_infogan(**kwargs) -> InfoGAN:
    args = dict(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8, q_hidden=16)
    return InfoGAN(**(args | kwargs))


# ------------------------------------------------------------------------------- mutual-information terms
def test_categorical_term_is_the_cross_entropy_of_the_raw_logits():
    # logits (0, log 3): softmax (1/4, 3/4); drawn values 1 and 0 -> -(log 3/4 + log 1/4) / 2
    logits = torch.tensor([[0.0, math.log(3)], [0.0, math.log(3)]])
    loss = categorical_info_loss([logits], [torch.tensor([1, 0])])
    assert loss.item() == pytest.approx(-(math.log(0.75) + math.log(0.25)) / 2, rel=1e-6)
    # a softmax before the cross-entropy (the ports' fault) would give another, flatter value
    wrong = categorical_info_loss([logits.softmax(1)], [torch.tensor([1, 0])])
    assert abs(wrong.item() - loss.item()) > 0.1


def test_two_categorical_codes_add_their_terms():
    a = torch.tensor([[2.0, 0.0, 0.0]])  # softmax: e^2 / (e^2 + 2)
    b = torch.tensor([[0.0, 0.0]])  # 1/2
    loss = categorical_info_loss([a, b], [torch.tensor([0]), torch.tensor([1])])
    expected = -math.log(math.e**2 / (math.e**2 + 2)) + math.log(2)
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_continuous_term_is_the_gaussian_negative_log_likelihood():
    # sample 1: code 1 under N(0, 1) -> 1/2 + log sqrt(2 pi); code 2 under N(0, 2^2) -> log 2 + 1/2 + log sqrt(2 pi)
    # sample 2: code 0.5 under N(0.5, 1) -> log sqrt(2 pi); code -1 under N(1, e^2) -> 1 + 2 / e^2 + log sqrt(2 pi)
    mean = torch.tensor([[0.0, 0.0], [0.5, 1.0]])
    log_std = torch.tensor([[0.0, math.log(2)], [0.0, 1.0]])
    codes = torch.tensor([[1.0, 2.0], [0.5, -1.0]])
    first = 0.5 + math.log(2) + 0.5 + 2 * HALF_LOG_2PI
    second = 1 + 2 / math.e**2 + 2 * HALF_LOG_2PI
    assert continuous_info_loss(mean, log_std, codes).item() == pytest.approx((first + second) / 2, rel=1e-5)


def test_the_module_weights_the_terms_with_lambda_1_and_0_1_by_default():
    model = tiny_infogan(categorical_codes=[3], continuous_codes=1)
    assert (model.categorical_weight, model.continuous_weight) == (1.0, 0.1)
    latent = model.draw_latent(4)
    latent.codes = torch.tensor([[1.0, 0, 0, 0.5]] * 4)
    q = model.discriminator(torch.zeros(4, 1, 16, 16))[1]
    terms = model.auxiliary_losses("generator", None, (None, q), None, latent)
    assert terms["info_cat"].item() == pytest.approx(
        categorical_info_loss(q.categorical, [torch.zeros(4, dtype=torch.long)]).item()
    )
    expected_cont = 0.1 * continuous_info_loss(q.mean, q.log_std, torch.full((4, 1), 0.5))
    assert terms["info_cont"].item() == pytest.approx(expected_cont.item())


# ------------------------------------------------------------------------------------- code distributions
def test_codes_are_uniform_one_hots_and_uniform_in_minus_one_one():
    torch.manual_seed(0)
    n = 20000
    codes = draw_codes(n, (10, 3), 2)
    assert codes.shape == (n, 15)
    one_hots = [codes[:, :10], codes[:, 10:13]]
    for part in one_hots:
        assert set(part.unique().tolist()) == {0.0, 1.0}
        assert torch.equal(part.sum(1), torch.ones(n))
        counts = part.sum(0).numpy()
        assert stats.chisquare(counts).pvalue > 1e-3  # uniform over the values
    indices, continuous = split_codes(codes, (10, 3))
    assert torch.equal(indices[1], codes[:, 10:13].argmax(1))
    assert continuous.min() >= -1 and continuous.max() <= 1
    for j in range(2):  # uniform on [-1, 1], not a normal: Kolmogorov-Smirnov against U(-1, 1)
        assert stats.kstest(continuous[:, j].numpy(), "uniform", args=(-1, 2)).pvalue > 1e-3
        assert stats.kstest(continuous[:, j].numpy(), "norm").pvalue < 1e-6


def test_the_model_draws_its_latent_with_those_codes():
    model = tiny_infogan(categorical_codes=[10], continuous_codes=2)
    latent = model.draw_latent(500)
    assert latent.z.shape == (500, 8) and latent.codes.shape == (500, 12)
    assert torch.equal(latent.codes[:, :10].sum(1), torch.ones(500))
    assert latent.codes[:, 10:].abs().max() <= 1
    assert model.generator.latent_dim == 8 + 12  # the generator reads noise and codes
    torch.manual_seed(0)
    z = tiny_infogan(noise_std=0.1).sample_noise(20000)
    assert z.std().item() == pytest.approx(0.1, rel=0.02) and z.mean().abs() < 0.005


# ---------------------------------------------------------------------------------- which phase trains what
def parts(model):
    d = model.discriminator
    return {"G": model.generator, "D trunk": nn.ModuleList([d.trunk, d.head]), "Q": d.q_head}


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(architecture="conv"),
        dict(architecture="mlp", hidden_dims=[32]),
        dict(architecture="conv", adversarial="wgan_gp", d_steps=2),
    ],
    ids=["conv", "mlp", "wgan_gp"],
)
def test_q_trains_in_both_phases_and_the_trunk_only_with_d(kwargs, fast_trainer_kwargs):
    model = tiny_infogan(**kwargs)
    opt_g, opt_d = model.configure_optimizers()
    in_g = {id(p) for group in opt_g.param_groups for p in group["params"]}
    in_d = {id(p) for group in opt_d.param_groups for p in group["params"]}
    assert all(id(p) in in_d for p in model.discriminator.parameters())  # trunk and Q's shared layers: in D's
    assert all(id(p) in in_g for p in model.discriminator.q_head.parameters())
    assert not any(id(p) in in_g for p in model.discriminator.trunk.parameters())
    check = PhaseCheck(parts)
    Trainer(max_steps=3, callbacks=[check], **fast_trainer_kwargs).fit(
        model, DigitsDataModule(image_size=16, batch_size=16)
    )
    d_updates = 3 * model.d_steps
    assert check.changed["discriminator"] == [{"D trunk", "Q"}] * d_updates
    assert check.changed["generator"] == [{"G", "Q"}] * 3


def test_the_info_terms_reach_q_in_both_phases_and_g_only_in_its_own():
    model = tiny_infogan()
    latent = model.draw_latent(8)
    fake = model.generate(latent)
    for phase, fakes in (("discriminator", fake.detach()), ("generator", fake)):
        model.zero_grad(set_to_none=True)
        terms = model.auxiliary_losses(phase, None, model.discriminator(fakes), None, latent)
        sum(terms.values()).backward(retain_graph=True)
        assert all(
            p.grad is not None and p.grad.abs().sum() > 0 for p in model.discriminator.q_head.parameters()
        )
        g_grads = [p.grad for p in model.generator.parameters()]
        assert (
            all(g is None for g in g_grads)
            if phase == "discriminator"
            else all(g is not None for g in g_grads)
        )


def test_wgan_gp_variant_uses_the_critic_losses_and_the_penalty(fast_trainer_kwargs):
    model = tiny_infogan(adversarial="wgan_gp")
    assert model.d_steps == 5
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.discriminator.modules())
    assert model.configure_optimizers()[1].defaults["betas"] == (0.0, 0.9)
    real, fake = torch.randn(4, 1, 16, 16), torch.randn(4, 1, 16, 16)
    assert model.regularizer(real, fake)["gp"] > 0
    logits = torch.tensor([1.0, 3.0])
    assert model.discriminator_loss(logits, -logits).item() == pytest.approx(-4.0)
    assert tiny_infogan().regularizer(real, fake) == {}


def test_settings_that_cannot_work_are_refused():
    for kwargs in (
        dict(categorical_codes=[1]),
        dict(categorical_codes=[], continuous_codes=0),
        dict(adversarial="hinge"),
        dict(continuous_weight=-1.0),
        dict(architecture="resnet"),
        dict(noise_std=0.0),
        dict(discriminator=nn.Linear(256, 1)),  # no Q head
    ):
        with pytest.raises(ConfigError):
            tiny_infogan(**kwargs)


# ------------------------------------------------------------------------------ sampling, clustering, saving
def test_sampling_draws_codes_and_sample_with_codes_holds_them():
    model = tiny_infogan()
    assert model.sample(3).shape == (3, 1, 16, 16)
    z = torch.randn(2, 8)
    # noise given: codes fixed (category i mod K, continuous 0), so a fixed-noise grid is the same at every step
    state = torch.random.get_rng_state()
    assert torch.equal(model.sample(z=z), model.sample(z=z))
    assert torch.equal(torch.random.get_rng_state(), state)  # and the training RNG is not touched
    assert torch.equal(model.sample(z=z), model.sample_with_codes(z, model.cycling_codes(2)))
    assert model.cycling_codes(12)[11].tolist() == torch.eye(10)[1].tolist() + [0.0, 0.0]
    codes = torch.stack([model.code_vector([4], [0.5, -1.0])] * 2)
    assert torch.equal(codes[0, :10], torch.eye(10)[4]) and codes[0, 10:].tolist() == [0.5, -1.0]
    a, b = model.sample_with_codes(z, codes), model.sample_with_codes(z, codes)
    assert torch.equal(a, b)
    assert not torch.equal(
        a, model.sample_with_codes(z, torch.stack([model.code_vector([5], [0.5, -1.0])] * 2))
    )


def test_predict_cluster_is_the_argmax_of_q_on_real_data():
    model = tiny_infogan()
    x = torch.randn(20, 1, 16, 16)
    clusters = model.predict_cluster(x, batch_size=7)
    model.discriminator.eval()
    with torch.no_grad():
        expected = model.discriminator(x)[1].categorical[0].argmax(1)
    assert clusters.shape == (20,) and torch.equal(clusters, expected)


def test_checkpoint_loads_with_load_gan(tmp_path, fast_trainer_kwargs):
    model = tiny_infogan(categorical_codes=[10, 2], continuous_codes=1, adversarial="wgan_gp", d_steps=1)
    kwargs = fast_trainer_kwargs | dict(enable_checkpointing=True)
    checkpoint = ModelCheckpoint(dirpath=tmp_path / "ckpt", save_last=True)
    Trainer(max_steps=2, callbacks=[checkpoint], **kwargs).fit(
        model, DigitsDataModule(image_size=16, batch_size=16)
    )
    loaded = load_gan(tmp_path / "ckpt" / "last.ckpt")
    assert isinstance(loaded, InfoGAN)
    assert (
        loaded.categorical_codes == (10, 2)
        and loaded.continuous_codes == 1
        and loaded.adversarial == "wgan_gp"
    )
    x = torch.randn(6, 1, 16, 16)
    assert torch.equal(loaded.predict_cluster(x, code=1), model.eval().predict_cluster(x, code=1))
