"""A new generator/discriminator pair, defined here, trained through Python and through the CLI."""

import sys
from pathlib import Path

import torch
from lightning.pytorch import Trainer
from torch import nn

from lightning_gans import GAN, Toy2DDataModule, VanillaGAN
from lightning_gans.checkpoint import load_gan


class TinyGenerator(nn.Module):
    """``(N, latent_dim)`` -> ``(N, 2)`` with one residual hidden layer."""

    def __init__(self, latent_dim: int = 4, hidden: int = 16) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.data_shape = (2,)
        self.inp = nn.Linear(latent_dim, hidden)
        self.mid = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, 2)

    def forward(self, z):
        h = torch.relu(self.inp(z))
        return self.out(h + torch.relu(self.mid(h)))


class TinyDiscriminator(nn.Module):
    """``(N, 2)`` -> ``(N,)`` logits."""

    def __init__(self, hidden: int = 16) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, hidden), nn.SiLU(), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.net(x).squeeze(1)


class HingeGAN(GAN):
    """A subclass overriding two hooks: the hinge loss instead of BCE."""

    def discriminator_loss(self, real_logits, fake_logits):
        return torch.relu(1 - real_logits).mean() + torch.relu(1 + fake_logits).mean()

    def generator_loss(self, fake_logits):
        return -fake_logits.mean()


def test_pass_networks_to_the_base_module(fast_trainer_kwargs):
    model = GAN(generator=TinyGenerator(), discriminator=TinyDiscriminator())
    Trainer(max_steps=3, **fast_trainer_kwargs).fit(model, Toy2DDataModule("ring8", batch_size=16))
    assert model.sample(5).shape == (5, 2)


def test_pass_networks_to_a_variant(fast_trainer_kwargs):
    model = VanillaGAN(
        data_shape=[2], latent_dim=4, generator=TinyGenerator(), discriminator=TinyDiscriminator()
    )
    assert isinstance(model.generator, TinyGenerator)
    Trainer(max_steps=3, **fast_trainer_kwargs).fit(model, Toy2DDataModule("ring8", batch_size=16))


def test_subclass_overriding_the_losses(fast_trainer_kwargs):
    model = HingeGAN(generator=TinyGenerator(), discriminator=TinyDiscriminator())
    assert model.discriminator_loss(torch.tensor([2.0]), torch.tensor([-2.0])).item() == 0.0
    Trainer(max_steps=3, **fast_trainer_kwargs).fit(model, Toy2DDataModule("ring8", batch_size=16))


def test_cli_with_class_path(tmp_path):
    """``lightning-gans fit --model HingeGAN --model.generator <class_path> ...`` in a fresh process (a fork
    server child: the user's module is found on the path, as with PYTHONPATH)."""
    # imported here, not at the top: the child process imports this file as the user's module, and there
    # `tests` (no __init__.py) can be shadowed by another installed package of that name
    from tests.forkserver import lightning_gans

    module = Path(__file__).stem
    command = [
        "fit",
        f"--model={module}.HingeGAN",
        f"--model.generator={module}.TinyGenerator",
        "--model.generator.latent_dim=4",
        f"--model.discriminator={module}.TinyDiscriminator",
        "--data=lightning_gans.Toy2DDataModule",
        "--data.batch_size=16",
        "--trainer.max_steps=3",
        "--trainer.accelerator=cpu",
        "--trainer.enable_progress_bar=false",
        f"--trainer.default_root_dir={tmp_path}",
    ]  # fmt: skip
    result = lightning_gans(command, cwd=tmp_path, pythonpath=[str(Path(__file__).parent)])
    assert result.returncode == 0, result.stderr[-3000:]
    (ckpt,) = tmp_path.rglob("*.ckpt")
    config = next(tmp_path.rglob("config.yaml")).read_text()
    assert f"{module}.TinyGenerator" in config
    # the checkpoint alone rebuilds the custom networks: the CLI stored their class_path
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        model = load_gan(ckpt)
    finally:
        sys.path.remove(str(Path(__file__).parent))
    assert type(model).__name__ == "HingeGAN" and type(model.generator).__name__ == "TinyGenerator"
    assert model.sample(3).shape == (3, 2)
