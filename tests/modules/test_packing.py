"""Packing (PacGAN) in the one training loop: what the discriminator sees, refusals, batch sizes, pack=1."""

import pytest
import torch
from lightning.pytorch import Callback, Trainer, seed_everything
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lightning_gans import DCGAN, WGANGP, BiGAN, InfoGAN, Toy2DDataModule, VanillaGAN
from lightning_gans.errors import ConfigError
from lightning_gans.modules.checks import check_packing
from lightning_gans.nets import DCGANDiscriminator, MLPDiscriminator, PackedDiscriminator


class RecordingDiscriminator(nn.Module):
    """A linear discriminator over packs of 2-D points that keeps every input it is shown."""

    def __init__(self, pack: int) -> None:
        super().__init__()
        self.linear = nn.Linear(2 * pack, 1)
        self.seen: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(x.detach().clone())
        return self.linear(x).squeeze(1)


class FarGenerator(nn.Module):
    """Fakes around (50, 50), far from the ring's unit circle, so a sample's origin is plain to see."""

    latent_dim = 2
    data_shape = (2,)

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 2)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return 50.0 + 0.1 * self.linear(z)


class KeepBatches(Callback):
    def __init__(self) -> None:
        self.batches: list[torch.Tensor] = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.batches.append(batch.clone())


def test_each_pack_holds_m_distinct_samples_all_real_or_all_fake(fast_trainer_kwargs):
    pack = 4
    d = RecordingDiscriminator(pack)
    model = VanillaGAN(generator=FarGenerator(), discriminator=d, pack=pack)
    keep = KeepBatches()
    Trainer(max_steps=2, callbacks=[keep], **fast_trainer_kwargs).fit(
        model, Toy2DDataModule("ring8", batch_size=16)
    )
    # per step: D phase (real, fake) then G phase (fake)
    assert [tuple(x.shape) for x in d.seen] == [(4, 8)] * 6
    for step, batch in enumerate(keep.batches):
        real, fake = d.seen[3 * step], d.seen[3 * step + 1]
        slots = real.view(4, pack, 2)
        assert (slots.norm(dim=2) < 2).all()  # real packs: ring points only
        torch.testing.assert_close(slots.reshape(16, 2), batch)  # the batch's 16 samples, each once
        assert all(len({tuple(s.tolist()) for s in p}) == pack for p in slots)
        fake_slots = fake.view(4, pack, 2)
        assert (fake_slots.norm(dim=2) > 40).all()  # fake packs: generated points only
        assert all(len({tuple(s.tolist()) for s in p}) == pack for p in fake_slots)


def test_default_networks_take_packed_inputs():
    assert isinstance(VanillaGAN(pack=3).discriminator, PackedDiscriminator)
    assert VanillaGAN(pack=3).discriminator.discriminator.net[0].in_features == 6
    conditional = VanillaGAN(pack=2, num_classes=3).discriminator.discriminator
    assert isinstance(conditional, MLPDiscriminator) and conditional.net[0].in_features == 2 * (2 + 3)
    dcgan = DCGAN(data_shape=(3, 16, 16), generator_width=4, discriminator_width=4, pack=2)
    assert dcgan.discriminator.discriminator.net[0].in_channels == 6
    critic = WGANGP(data_shape=(1, 16, 16), generator_width=4, critic_width=4, num_classes=10, pack=2)
    inner = critic.discriminator.discriminator
    assert isinstance(inner, DCGANDiscriminator) and inner.net[0].in_channels == 2 * (1 + 10)
    images, labels = torch.randn(4, 1, 16, 16), torch.tensor([0, 1, 2, 3])
    assert critic.discriminator(images, labels).shape == (2,)


def test_pack_1_wraps_nothing():
    model = VanillaGAN(pack=1)
    assert isinstance(model.discriminator, MLPDiscriminator)


@pytest.mark.parametrize("make", [VanillaGAN, WGANGP])
def test_pack_1_trains_bit_identically_to_pack_omitted(make, fast_trainer_kwargs):
    params = []
    for kwargs in ({}, {"pack": 1}):
        seed_everything(0)
        model = make(hidden_dims=(16,), **kwargs)
        Trainer(max_steps=3, **fast_trainer_kwargs).fit(model, Toy2DDataModule("ring8", batch_size=16))
        params.append([p.detach().clone() for p in model.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*params, strict=True))


def test_packed_wgan_gp_trains(fast_trainer_kwargs):
    model = WGANGP(hidden_dims=(16,), d_steps=2, pack=4)
    trainer = Trainer(max_steps=2, **fast_trainer_kwargs)
    trainer.fit(model, Toy2DDataModule("grid25", batch_size=16))
    assert trainer.global_step == 2 and torch.isfinite(trainer.callback_metrics["train/gp"])


@pytest.mark.parametrize("pack", [0, -1, 1.5])
def test_pack_below_1_is_refused(pack):
    with pytest.raises(ConfigError, match="pack must be an integer >= 1"):
        VanillaGAN(pack=pack)


def test_an_acgan_head_cannot_be_packed():
    with pytest.raises(ConfigError, match="ac_weight: 0 or pack: 1"):
        VanillaGAN(num_classes=3, ac_weight=1.0, pack=2)


@pytest.mark.parametrize("family", [InfoGAN, BiGAN])
def test_families_that_need_per_sample_outputs_refuse_packing(family):
    # neither constructor takes pack (so pack is 1 for them); the base refuses it for any subclass that would
    with pytest.raises(ConfigError, match=f"{family.__name__} cannot pack .* Set pack to 1"):
        check_packing(2, 0.0, family.__name__, family.packing_refusal)
    check_packing(1, 0.0, family.__name__, family.packing_refusal)


def test_a_batch_size_that_is_not_a_multiple_of_pack_is_refused_at_start_up(fast_trainer_kwargs):
    with pytest.raises(ConfigError, match="batch_size 10 is not a multiple of model pack 4.*8 or 12"):
        Trainer(max_steps=1, **fast_trainer_kwargs).fit(
            VanillaGAN(hidden_dims=(8,), pack=4), Toy2DDataModule("ring8", batch_size=10)
        )


def test_a_smaller_last_batch_is_cut_to_whole_packs(fast_trainer_kwargs):
    # 11 samples in batches of 4: 4, 4, 3 -> the last is cut to 2 (one pack of 2)
    d = RecordingDiscriminator(2)
    model = VanillaGAN(generator=FarGenerator(), discriminator=d, pack=2)
    loader = DataLoader(TensorDataset(torch.randn(11, 2)), batch_size=4)
    trainer = Trainer(max_epochs=1, **fast_trainer_kwargs)
    trainer.fit(model, loader)
    assert trainer.global_step == 3
    assert [x.shape[0] for x in d.seen[::3]] == [2, 2, 1]


def test_a_last_batch_smaller_than_one_pack_is_skipped(fast_trainer_kwargs):
    d = RecordingDiscriminator(4)
    model = VanillaGAN(generator=FarGenerator(), discriminator=d, pack=4)
    loader = DataLoader(TensorDataset(torch.randn(10, 2)), batch_size=4)  # 4, 4, 2
    trainer = Trainer(max_epochs=1, **fast_trainer_kwargs)
    trainer.fit(model, loader)
    assert trainer.global_step == 2
    assert len(d.seen) == 6
