"""The family hooks of the GAN base module express InfoGAN and BiGAN without a second training loop.

Both are minimal sketches on 2-D points (the real families are other issues): what matters here is that the
one ``training_step`` trains exactly the networks each family's table row says, in each phase.
"""

import torch
import torch.nn.functional as F
from lightning.pytorch import Callback, Trainer
from torch import nn

from lightning_gans import GAN, Toy2DDataModule
from lightning_gans.modules.latent import Latent
from lightning_gans.nets import MLPGenerator

NOISE, CATEGORIES = 4, 3


class InfoDiscriminator(nn.Module):
    """``(N, 2)`` -> ``((N,)`` logits, ``(N, CATEGORIES)`` Q logits``)``: the Q head shares D's trunk."""

    def __init__(self) -> None:
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2))
        self.head = nn.Linear(16, 1)
        self.q_head = nn.Linear(16, CATEGORIES)

    def forward(self, x):
        h = self.trunk(x)
        return self.head(h).squeeze(1), self.q_head(h)


class TinyInfoGAN(GAN):
    def __init__(self) -> None:
        super().__init__(MLPGenerator(NOISE + CATEGORIES, (2,), (16,)), InfoDiscriminator(), latent_dim=NOISE)

    def draw_latent(self, n):
        z = self.sample_noise(n)
        category = torch.randint(CATEGORIES, (n,), device=self.device)
        return Latent(z, codes=F.one_hot(category, CATEGORIES).float())

    def generate(self, latent, generator=None):
        net = self.generator if generator is None else generator
        return net(torch.cat([latent.z, latent.codes], dim=1))

    def phase_parameters(self, phase):
        if phase == "generator":  # Q is trained in both phases; its shared trunk only with D
            return [*self.generator.parameters(), *self.discriminator.q_head.parameters()]
        return list(self.discriminator.parameters())

    def auxiliary_losses(self, phase, real_output, fake_output, labels, latent):
        # Q's logits straight into cross-entropy: no softmax before it
        return {"info": F.cross_entropy(fake_output[1], latent.codes.argmax(1))}


class JointDiscriminator(nn.Module):
    """``(N, 2)`` points and ``(N, NOISE)`` codes -> ``(N,)`` logits."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2 + NOISE, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))

    def forward(self, x, z):
        return self.net(torch.cat([x, z], dim=1)).squeeze(1)


class TinyBiGAN(GAN):
    generator_sees_real = True

    def __init__(self) -> None:
        super().__init__(MLPGenerator(NOISE, (2,), (16,)), JointDiscriminator(), latent_dim=NOISE)
        self.encoder = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, NOISE))

    def discriminator_inputs(self, real, labels, fake, latent):
        return (real, self.encoder(real)), (fake, latent.z)

    def phase_parameters(self, phase):
        if phase == "generator":
            return [*self.generator.parameters(), *self.encoder.parameters()]
        return list(self.discriminator.parameters())

    def auxiliary_losses(self, phase, real_output, fake_output, labels, latent):
        if phase == "discriminator":
            return {}
        # the encoder wants D to call its (x, E(x)) pairs fake
        return {"encoder": F.binary_cross_entropy_with_logits(real_output, torch.zeros_like(real_output))}


def snapshot(module):
    return [p.detach().clone() for p in module.parameters()]


class PhaseCheck(Callback):
    """Around each optimizer step: records which of the named modules changed."""

    def __init__(self, modules) -> None:
        self.modules = modules
        self.changed = {"generator": [], "discriminator": []}

    def on_train_start(self, trainer, pl_module):
        for phase, opt in zip(("generator", "discriminator"), trainer.optimizers, strict=True):
            state = {}

            def pre(optimizer, args, kwargs, state=state):
                state.update({name: snapshot(m) for name, m in self.modules(pl_module).items()})

            def post(optimizer, args, kwargs, state=state, phase=phase):
                changed = {
                    name
                    for name, m in self.modules(pl_module).items()
                    if not all(torch.equal(a, b) for a, b in zip(state[name], snapshot(m), strict=True))
                }
                self.changed[phase].append(changed)

            opt.register_step_pre_hook(pre)
            opt.register_step_post_hook(post)


def fit(model, check, fast_trainer_kwargs):
    Trainer(max_steps=3, callbacks=[check], **fast_trainer_kwargs).fit(
        model, Toy2DDataModule("ring8", batch_size=16)
    )


def test_infogan_trains_q_in_both_phases_and_d_trunk_only_with_d(fast_trainer_kwargs):
    check = PhaseCheck(
        lambda m: {
            "G": m.generator,
            "D trunk": nn.ModuleList([m.discriminator.trunk, m.discriminator.head]),
            "Q": m.discriminator.q_head,
        }
    )
    model = TinyInfoGAN()
    fit(model, check, fast_trainer_kwargs)
    assert check.changed["discriminator"] == [{"D trunk", "Q"}] * 3
    assert check.changed["generator"] == [{"G", "Q"}] * 3


def test_bigan_trains_the_encoder_with_the_generator_only(fast_trainer_kwargs):
    check = PhaseCheck(lambda m: {"G": m.generator, "E": m.encoder, "D": m.discriminator})
    fit(TinyBiGAN(), check, fast_trainer_kwargs)
    assert check.changed["discriminator"] == [{"D"}] * 3
    assert check.changed["generator"] == [{"G", "E"}] * 3
