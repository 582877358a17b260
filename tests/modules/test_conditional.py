"""Class-conditional training through the one loop: labels reach G and D, start-up checks, sampling."""

import pytest
import torch
from lightning.pytorch import Callback, Trainer

from lightning_gans import DCGAN, WGANGP, DigitsDataModule, Toy2DDataModule, VanillaGAN, losses
from lightning_gans.checkpoint import load_gan
from lightning_gans.errors import ConfigError


def tiny_dcgan(**kwargs):
    return DCGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8, **kwargs)


class LabelFlow(Callback):
    """Watches the real networks' calls: which labels the generator and the discriminator receive."""

    def __init__(self) -> None:
        self.batch = None
        self.generated_with: list[torch.Tensor] = []
        self.checked = {"real": 0, "fake": 0, "penalty": 0}

    def on_train_start(self, trainer, pl_module):
        def g_hook(module, args, output):
            self.generated_with.append((output.detach(), args[1].clone()))

        def d_hook(module, args, output):
            x, labels = args
            if torch.equal(x, self.batch[0]):
                assert torch.equal(labels, self.batch[1]), "D saw the real batch with other labels"
                self.checked["real"] += 1
                return
            if x.requires_grad and not any(torch.equal(fake, x.detach()) for fake, _ in self.generated_with):
                # WGAN-GP's interpolates between real and fake: the penalty uses the real labels
                assert torch.equal(labels, self.batch[1]), "the gradient penalty used other labels"
                self.checked["penalty"] += 1
                return
            matches = [y for fake, y in self.generated_with if torch.equal(fake, x.detach())]
            assert matches and torch.equal(labels, matches[-1]), "D saw a fake with labels G was not given"
            self.checked["fake"] += 1

        pl_module.generator.register_forward_hook(g_hook)
        pl_module.discriminator.register_forward_hook(d_hook)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.batch = batch
        self.generated_with.clear()


@pytest.mark.parametrize(
    "make",
    [
        lambda: tiny_dcgan(num_classes=10),
        lambda: WGANGP(
            data_shape=[1, 16, 16], latent_dim=8, generator_width=8, critic_width=8, d_steps=2, num_classes=10
        ),
        lambda: VanillaGAN(data_shape=[1, 16, 16], hidden_dims=(16,), num_classes=10, ac_weight=1.0),
    ],
    ids=["dcgan", "wgan_gp", "vanilla_acgan"],
)
def test_labels_reach_the_generator_and_the_discriminator(make, fast_trainer_kwargs):
    model, flow = make(), LabelFlow()
    Trainer(max_steps=2, callbacks=[flow], **fast_trainer_kwargs).fit(
        model, DigitsDataModule(image_size=16, batch_size=16)
    )
    # per batch: d_steps D calls on real and on fake, then one on fake in the G step (the GP calls D on a mix)
    assert flow.checked["real"] == 2 * model.d_steps
    assert flow.checked["fake"] == 2 * (model.d_steps + 1)
    assert flow.checked["penalty"] == (2 * model.d_steps if isinstance(model, WGANGP) else 0)


def test_a_conditional_model_on_unlabelled_data_stops_before_training(fast_trainer_kwargs):
    model = VanillaGAN(data_shape=[2], hidden_dims=(8,), num_classes=8)
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(ConfigError, match=r"yields no class labels.*remove model num_classes"):
        Trainer(max_steps=1, **fast_trainer_kwargs).fit(model, Toy2DDataModule("ring8", batch_size=8))
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_a_class_count_mismatch_names_the_fix(fast_trainer_kwargs):
    with pytest.raises(ConfigError, match=r"num_classes is 5 but DigitsDataModule has 10.*num_classes: 10"):
        Trainer(max_steps=1, **fast_trainer_kwargs).fit(
            tiny_dcgan(num_classes=5), DigitsDataModule(image_size=16)
        )


def test_bad_conditioning_settings_are_refused():
    with pytest.raises(ConfigError, match="num_classes must be an integer >= 2"):
        tiny_dcgan(num_classes=1)
    with pytest.raises(ConfigError, match="fake_labels"):
        tiny_dcgan(num_classes=10, fake_labels="balanced")
    with pytest.raises(ConfigError, match="ac_weight.*unconditional.*num_classes"):
        tiny_dcgan(ac_weight=1.0)


def test_fake_labels_follow_the_data_frequencies(fast_trainer_kwargs):
    model = tiny_dcgan(num_classes=10, fake_labels="data")
    data = DigitsDataModule(image_size=16, batch_size=16, imbalance="step")
    Trainer(max_steps=1, **fast_trainer_kwargs).fit(model, data)
    counts = data.class_counts().float()
    torch.testing.assert_close(model.label_probs, counts / counts.sum())
    drawn = torch.bincount(model.draw_labels(20000), minlength=10).float() / 20000
    assert (drawn[1::2] < 0.03).all() and (drawn[0::2] > 0.15).all()  # odd classes are the 1:10 minority


def test_sample_with_labels_and_checkpoint_round_trip(tmp_path, fast_trainer_kwargs):
    model = tiny_dcgan(num_classes=10, ac_weight=0.5)
    trainer = Trainer(max_steps=2, **fast_trainer_kwargs)
    trainer.fit(model, DigitsDataModule(image_size=16, batch_size=16))
    trainer.save_checkpoint(tmp_path / "c.ckpt")
    loaded = load_gan(tmp_path / "c.ckpt")
    z = torch.randn(4, 8)
    torch.testing.assert_close(loaded.sample(z=z, labels=3), model.sample(z=z, labels=3))
    assert not torch.allclose(model.sample(z=z, labels=3), model.sample(z=z, labels=[0, 1, 2, 4]))
    assert model.sample(labels=[0, 1, 2]).shape == (3, 1, 16, 16)
    with pytest.raises(ConfigError, match="class 10 does not exist.*0 to 9"):
        model.sample(2, labels=10)
    with pytest.raises(ConfigError, match="unconditional"):
        tiny_dcgan().sample(2, labels=1)


def test_conditional_gradient_penalty_uses_the_real_labels():
    w = torch.tensor([[3.0, 4.0], [0.6, 0.8]])  # class 0: |w| = 5, class 1: |w| = 1

    def critic(x, labels):
        return (w[labels] * x).sum(1)

    real = (torch.randn(6, 2), torch.zeros(6, dtype=torch.long))
    fake = (torch.randn(6, 2), torch.ones(6, dtype=torch.long))
    # with the real labels the gradient is w[0] everywhere: (5 - 1)^2; the fake labels would give 0
    assert losses.gradient_penalty(critic, real, fake).item() == pytest.approx(16.0)
    x_hat, labels = losses.interpolate_inputs(real, fake)
    assert torch.equal(labels, real[1]) and x_hat.requires_grad
