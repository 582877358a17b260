"""Generator EMA (on by default for DCGAN and conv WGAN-GP, used by sampling, saved in checkpoints) and safe
checkpoint loading (``load_gan`` reads with ``weights_only=True``: a pickle that would run code is refused)."""

from __future__ import annotations

import pytest
import torch
from lightning.pytorch import Trainer

from lightning_gans import DCGAN, WGANGP, DigitsDataModule, VanillaGAN
from lightning_gans.checkpoint import load_gan
from lightning_gans.cli import main
from lightning_gans.ema import ema_decay_at, make_ema_copy, update_ema
from lightning_gans.nets import DCGANGenerator


def test_update_ema_averages_parameters_and_copies_buffers():
    net = DCGANGenerator(latent_dim=4, image_size=16, width=4)
    ema = make_ema_copy(net)
    assert not any(p.requires_grad for p in ema.parameters())
    before = [p.clone() for p in ema.parameters()]
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
        for b in net.buffers():
            b.add_(3)
    update_ema(ema, net, decay=0.9)
    for old, new, current in zip(before, ema.parameters(), net.parameters(), strict=True):
        torch.testing.assert_close(new, 0.9 * old + 0.1 * current)
    for b_ema, b in zip(ema.buffers(), net.buffers(), strict=True):
        assert torch.equal(b_ema, b)


def test_ema_decay_warms_up():
    assert ema_decay_at(0, 0.999) == pytest.approx(0.1)
    assert ema_decay_at(80, 0.999) == pytest.approx(0.9)
    assert ema_decay_at(10**6, 0.999) == 0.999
    assert ema_decay_at(0, 0.999, warmup=False) == 0.999


def test_ema_defaults():
    assert DCGAN(data_shape=[1, 16, 16], generator_width=4, discriminator_width=4).generator_ema is not None
    assert WGANGP(data_shape=[1, 16, 16], generator_width=4, critic_width=4).generator_ema is not None
    assert WGANGP(data_shape=[2], hidden_dims=(8,)).generator_ema is None
    assert VanillaGAN(data_shape=[2], hidden_dims=(8,)).generator_ema is None
    assert (
        DCGAN(data_shape=[1, 16, 16], generator_width=4, discriminator_width=4, ema_decay=0).generator_ema
        is None
    )


def small_dcgan(**kwargs) -> DCGAN:
    return DCGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8, **kwargs)


def test_ema_is_trained_used_for_sampling_and_round_trips_through_a_safe_load(tmp_path, fast_trainer_kwargs):
    model = small_dcgan()
    initial = [p.clone() for p in model.generator_ema.parameters()]
    trainer = Trainer(max_steps=3, **fast_trainer_kwargs)
    trainer.fit(model, DigitsDataModule(image_size=16, batch_size=16))
    assert model.sampling_generator is model.generator_ema
    assert not all(torch.equal(a, b) for a, b in zip(initial, model.generator_ema.parameters(), strict=True))
    assert not all(
        torch.equal(a, b)
        for a, b in zip(model.generator.parameters(), model.generator_ema.parameters(), strict=True)
    )
    z = torch.randn(4, 8)
    with torch.no_grad():
        expected = model.generator_ema.eval()(z)
    torch.testing.assert_close(model.sample(z=z), expected)

    path = tmp_path / "model.ckpt"
    trainer.save_checkpoint(path)
    for loaded in (load_gan(path), DCGAN.load_from_checkpoint(path, weights_only=True)):
        assert loaded.generator_ema is not None
        for a, b in zip(
            loaded.generator_ema.state_dict().values(), model.generator_ema.state_dict().values(), strict=True
        ):
            assert torch.equal(a, b)
        torch.testing.assert_close(loaded.sample(z=z), expected)


class RunsCode:
    """Unpickling this creates the marker file: what a malicious checkpoint would do."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def evil_checkpoint(tmp_path, fast_trainer_kwargs):
    """(a real checkpoint, the same with a payload whose unpickling creates a marker file, the marker path)."""
    model = small_dcgan(ema_decay=0)
    trainer = Trainer(max_steps=1, **fast_trainer_kwargs)
    trainer.fit(model, DigitsDataModule(image_size=16, batch_size=16))
    good = tmp_path / "good.ckpt"
    trainer.save_checkpoint(good)
    checkpoint = torch.load(good, weights_only=True)
    marker = tmp_path / "code_ran"
    checkpoint["payload"] = RunsCode(marker)
    evil = tmp_path / "evil.ckpt"
    torch.save(checkpoint, evil)
    return good, evil, marker


def test_a_checkpoint_whose_unpickling_runs_code_is_refused_by_load_gan(evil_checkpoint):
    good, evil, marker = evil_checkpoint
    with pytest.raises(ValueError, match="does not unpickle"):
        load_gan(evil)
    assert not marker.exists(), "loading the checkpoint ran code"
    assert isinstance(load_gan(good), DCGAN)  # the same checkpoint without the payload loads


@pytest.mark.parametrize(
    "command", [["sample", "--num", "4", "--grid"], ["interpolate", "--paths", "2", "--steps", "3"]]
)
def test_the_sample_and_interpolate_commands_refuse_it_without_running_it(
    evil_checkpoint, tmp_path, capsys, command
):
    _, evil, marker = evil_checkpoint
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main([*command, "--ckpt", str(evil), "--out", str(out / "picture.png"), "--device", "cpu"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("lightning-gans: error: ") and "does not unpickle" in err and "trust" not in err
    assert not marker.exists(), "loading the checkpoint ran code"
    assert not out.exists()
