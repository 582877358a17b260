"""The adversarial loop of the GAN base module: which network each step changes, step counting, sampling."""

from functools import partial

import pytest
import torch
from lightning.pytorch import Callback, Trainer
from torch.optim.lr_scheduler import LinearLR, StepLR

from lightning_gans import DCGAN, GAN, WGANGP, DigitsDataModule, Toy2DDataModule, VanillaGAN
from lightning_gans.errors import ConfigError
from lightning_gans.nets import MLPDiscriminator, MLPGenerator


def snapshot(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


class StepIsolationCheck(Callback):
    """Around every optimizer step: the other network's parameters are unchanged, its own have changed."""

    def __init__(self) -> None:
        self.checked = {"generator": 0, "discriminator": 0}

    def on_train_start(self, trainer, pl_module):
        opt_g, opt_d = trainer.optimizers
        for opt, own, other in [
            (opt_g, pl_module.generator, pl_module.discriminator),
            (opt_d, pl_module.discriminator, pl_module.generator),
        ]:
            name = "generator" if own is pl_module.generator else "discriminator"
            state = {}

            def pre(optimizer, args, kwargs, own=own, other=other, state=state):
                state["own"], state["other"] = snapshot(own), snapshot(other)

            def post(optimizer, args, kwargs, own=own, other=other, state=state, name=name):
                assert same(state["other"], snapshot(other)), f"a {name} step changed the other network"
                assert not same(state["own"], snapshot(own)), f"a {name} step left its own network unchanged"
                self.checked[name] += 1

            opt.register_step_pre_hook(pre)
            opt.register_step_post_hook(post)


@pytest.mark.parametrize(
    "make_model, data",
    [
        (
            lambda: VanillaGAN(data_shape=[2], hidden_dims=(16,)),
            lambda: Toy2DDataModule("ring8", batch_size=32),
        ),
        (lambda: WGANGP(data_shape=[2], hidden_dims=(16,)), lambda: Toy2DDataModule("ring8", batch_size=32)),
        (
            lambda: DCGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8),
            lambda: DigitsDataModule(image_size=16, batch_size=16),
        ),
    ],
    ids=["vanilla", "wgan_gp", "dcgan"],
)
def test_each_step_changes_only_its_own_network(make_model, data, fast_trainer_kwargs):
    model, check = make_model(), StepIsolationCheck()
    Trainer(max_steps=3, callbacks=[check], **fast_trainer_kwargs).fit(model, data())
    assert check.checked == {"generator": 3, "discriminator": 3 * model.d_steps}


def test_global_step_counts_generator_steps(fast_trainer_kwargs):
    model = WGANGP(data_shape=[2], hidden_dims=(8,), d_steps=5)
    trainer = Trainer(max_steps=4, **fast_trainer_kwargs)
    trainer.fit(model, Toy2DDataModule("ring8", batch_size=8, batches_per_epoch=3))
    opt_g, opt_d = trainer.optimizers
    g_updates = int(next(iter(opt_g.state.values()))["step"])
    d_updates = int(next(iter(opt_d.state.values()))["step"])
    assert (trainer.global_step, g_updates, d_updates) == (4, 4, 20)


def test_defaults_follow_the_papers():
    dcgan, wgan, vanilla = DCGAN(), WGANGP(), VanillaGAN()
    for model, lr, betas, d_steps in [
        (dcgan, 2e-4, (0.5, 0.999), 1),
        (wgan, 1e-4, (0.0, 0.9), 5),
        (vanilla, 2e-4, (0.5, 0.999), 1),
    ]:
        opt_g, opt_d = model.configure_optimizers()
        for opt in (opt_g, opt_d):
            assert isinstance(opt, torch.optim.Adam)
            assert opt.defaults["lr"] == lr and tuple(opt.defaults["betas"]) == betas
        assert model.d_steps == d_steps
    assert wgan.gp_weight == 10.0
    assert not any(
        isinstance(m, torch.nn.BatchNorm2d) for m in WGANGP(data_shape=[3, 32, 32]).discriminator.modules()
    )


def test_optimizer_callables_are_used():
    model = VanillaGAN(generator_optimizer=lambda p: torch.optim.SGD(p, lr=0.1), discriminator_optimizer=None)
    opt_g, opt_d = model.configure_optimizers()
    assert isinstance(opt_g, torch.optim.SGD) and isinstance(opt_d, torch.optim.Adam)


def test_schedulers_step_once_per_generator_step(fast_trainer_kwargs):
    # 3 critic steps per generator step: a scheduler stepped per optimizer step would be 3x too fast for D
    model = WGANGP(
        data_shape=[2],
        hidden_dims=(8,),
        d_steps=3,
        generator_scheduler=partial(LinearLR, start_factor=1.0, end_factor=0.0, total_iters=8),
        discriminator_scheduler=partial(StepLR, step_size=2, gamma=0.5),
    )
    trainer = Trainer(max_steps=4, **fast_trainer_kwargs)
    trainer.fit(model, Toy2DDataModule("ring8", batch_size=8, batches_per_epoch=3))
    opt_g, opt_d = trainer.optimizers
    assert opt_g.param_groups[0]["lr"] == pytest.approx(1e-4 * 0.5)  # halfway down the linear decay
    assert opt_d.param_groups[0]["lr"] == pytest.approx(1e-4 * 0.25)  # two halvings in 4 generator steps
    assert "generator_scheduler" not in model.hparams  # callables stay out of checkpoints (weights_only load)


def test_a_linear_decay_that_ends_before_max_steps_is_flagged(fast_trainer_kwargs):
    decay = partial(LinearLR, start_factor=1.0, end_factor=0.0, total_iters=2)
    model = VanillaGAN(hidden_dims=(8,), generator_scheduler=decay, discriminator_scheduler=decay)
    with pytest.warns(UserWarning, match="total_iters to 3"):
        Trainer(max_steps=3, **fast_trainer_kwargs).fit(model, Toy2DDataModule("ring8", batch_size=8))


def test_reduce_on_plateau_is_refused_with_a_fix():
    model = VanillaGAN(generator_scheduler=partial(torch.optim.lr_scheduler.ReduceLROnPlateau, patience=2))
    with pytest.raises(ConfigError, match="ReduceLROnPlateau.*LinearLR"):
        model.configure_optimizers()


def test_sample_uses_eval_mode_and_restores_training_mode():
    model = DCGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8)
    z = torch.randn(4, 8)
    samples = model.sample(z=z)
    assert samples.shape == (4, 1, 16, 16) and model.generator.training
    model.generator.eval()
    torch.testing.assert_close(samples, model.generator(z))
    assert model.sample(3).shape == (3, 1, 16, 16)
    assert model(z).shape == (4, 1, 16, 16)


def test_minimax_option(fast_trainer_kwargs):
    model = VanillaGAN(generator_loss_type="minimax")
    logits = torch.tensor([0.0])
    assert model.generator_loss(logits).item() == pytest.approx(-torch.log(torch.tensor(2.0)).item())
    with pytest.raises(ValueError, match="generator_loss_type"):
        VanillaGAN(generator_loss_type="hinge")


def test_checkpoint_round_trip(tmp_path, fast_trainer_kwargs):
    fast_trainer_kwargs["enable_checkpointing"] = True
    model = DCGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8)
    trainer = Trainer(max_steps=2, **fast_trainer_kwargs)
    trainer.fit(model, DigitsDataModule(image_size=16, batch_size=16))
    path = tmp_path / "model.ckpt"
    trainer.save_checkpoint(path)
    loaded = DCGAN.load_from_checkpoint(path, weights_only=True)
    z = torch.randn(5, 8)
    torch.testing.assert_close(loaded.sample(z=z), model.sample(z=z))
    assert loaded.sample(16).shape == (16, 1, 16, 16)


def test_base_gan_with_custom_networks_loads_with_networks_passed(tmp_path, fast_trainer_kwargs):
    make = lambda: (MLPGenerator(4, (2,), (8,)), MLPDiscriminator((2,), (8,)))  # noqa: E731
    g, d = make()
    model = GAN(generator=g, discriminator=d)
    trainer = Trainer(max_steps=2, **fast_trainer_kwargs)
    trainer.fit(model, Toy2DDataModule("grid25", batch_size=8))
    trainer.save_checkpoint(tmp_path / "m.ckpt")
    g2, d2 = make()
    loaded = GAN.load_from_checkpoint(tmp_path / "m.ckpt", generator=g2, discriminator=d2, weights_only=True)
    z = torch.randn(3, 4)
    torch.testing.assert_close(loaded(z), model(z))


def test_data_shape_mismatch_is_a_clear_error(fast_trainer_kwargs):
    model = DCGAN(data_shape=[3, 16, 16], generator_width=8, discriminator_width=8)
    with pytest.raises(ValueError, match=r"channel count does not match.*\(1, 16, 16\).*\(3, 16, 16\)"):
        Trainer(max_steps=1, **fast_trainer_kwargs).fit(model, DigitsDataModule(image_size=16))


def test_load_gan_rebuilds_the_saved_class(tmp_path, fast_trainer_kwargs):
    from lightning_gans.checkpoint import load_gan

    model = WGANGP(data_shape=[2], hidden_dims=(8,), latent_dim=3)
    trainer = Trainer(max_steps=1, **fast_trainer_kwargs)
    trainer.fit(model, Toy2DDataModule("ring8", batch_size=8))
    trainer.save_checkpoint(tmp_path / "w.ckpt")
    loaded = load_gan(tmp_path / "w.ckpt")
    assert type(loaded) is WGANGP and not loaded.training
    z = torch.randn(4, 3)
    torch.testing.assert_close(loaded.sample(z=z), model.sample(z=z))
    with pytest.raises(FileNotFoundError, match="No checkpoint"):
        load_gan(tmp_path / "missing.ckpt")


def test_latent_dim_must_be_known():
    with pytest.raises(ValueError, match="latent_dim"):
        GAN(generator=torch.nn.Linear(2, 2), discriminator=torch.nn.Linear(2, 1))
    assert (
        GAN(generator=torch.nn.Linear(3, 2), discriminator=torch.nn.Linear(2, 1), latent_dim=3).latent_dim
        == 3
    )


def test_an_empty_container_network_is_not_replaced_by_the_default():
    # nn.Sequential of length 0 is falsy: the variants must test `is None`, not truthiness
    g = torch.nn.Sequential()
    g.latent_dim = 2
    assert VanillaGAN(data_shape=[2], generator=g).generator is g
