"""BiGAN on the base loop: which networks each phase trains, shapes of encode/reconstruct/score, the threshold
set on held-out normal data and its round trip through a checkpoint read with ``weights_only=True``."""

import pytest
import torch
from lightning.pytorch import Trainer

from lightning_gans import BiGAN, DigitsDataModule, Toy2DDataModule
from lightning_gans.checkpoint import load_gan
from lightning_gans.errors import ConfigError
from tests.modules.test_families import PhaseCheck


def tiny_conv_bigan(**kwargs):
    return BiGAN(
        data_shape=[1, 16, 16],
        latent_dim=8,
        generator_width=8,
        encoder_width=8,
        discriminator_width=8,
        joint_dim=16,
        **kwargs,
    )


def test_encoder_trains_with_the_generator_and_never_with_the_discriminator(fast_trainer_kwargs):
    model = BiGAN(data_shape=[2], latent_dim=4, hidden_dims=(16,))
    check = PhaseCheck(lambda m: {"G": m.generator, "E": m.encoder, "D": m.discriminator})
    Trainer(max_steps=3, callbacks=[check], **fast_trainer_kwargs).fit(model, Toy2DDataModule(batch_size=16))
    assert check.changed["discriminator"] == [{"D"}] * 3
    assert check.changed["generator"] == [{"G", "E"}] * 3


@pytest.mark.parametrize("architecture", ["mlp", "conv"])
def test_encode_reconstruct_and_score_shapes(architecture):
    model = tiny_conv_bigan(architecture=architecture)
    x = torch.rand(5, 1, 16, 16) * 2 - 1
    assert model.encode(x).shape == (5, 8)
    assert model.reconstruct(x).shape == (5, 1, 16, 16)
    scores = model.anomaly_score(x)
    assert scores.shape == (5,) and scores.isfinite().all()
    assert model.training  # the eval-mode switches inside were undone


def test_score_is_the_egbad_expression():
    model = BiGAN(data_shape=[3], latent_dim=2, hidden_dims=(8,), score_weight=0.25).eval()
    x = torch.randn(4, 3)
    z = model.encoder(x)
    x_rec = model.generator(z)
    f_x, f_rec = model.discriminator.features(x, z), model.discriminator.features(x_rec, z)
    expected = 0.75 * (x - x_rec).abs().sum(1) + 0.25 * (f_x - f_rec).abs().sum(1)
    torch.testing.assert_close(model.anomaly_score(x), expected.detach())


def test_no_threshold_until_fitted_then_flags_above_it():
    model = BiGAN(data_shape=[2], latent_dim=2, hidden_dims=(8,), threshold_quantile=0.5)
    scores = torch.tensor([0.1, 5.0])
    with pytest.raises(ConfigError, match="no anomaly threshold"):
        model.flag(scores)
    normal = torch.randn(101, 2)
    threshold = model.fit_threshold(normal)
    assert torch.isclose(threshold, model.anomaly_score(normal).median())
    assert model.flag(threshold + torch.tensor([-1e-3, 1e-3])).tolist() == [False, True]


def test_threshold_from_validation_round_trips_through_the_checkpoint(tmp_path, fast_trainer_kwargs):
    data = DigitsDataModule(image_size=16, batch_size=16, normal_classes=[3])
    model = tiny_conv_bigan()
    trainer = Trainer(max_epochs=1, **fast_trainer_kwargs)
    trainer.fit(model, data)
    threshold = model.anomaly_threshold.clone()
    assert threshold.isfinite()  # set by the end-of-epoch validation on held-out normal digits
    path = tmp_path / "bigan.ckpt"
    trainer.save_checkpoint(path)
    assert torch.equal(torch.load(path, weights_only=True)["state_dict"]["anomaly_threshold"], threshold)
    loaded = load_gan(path)
    assert isinstance(loaded, BiGAN) and torch.equal(loaded.anomaly_threshold, threshold)
    x = data.split["test"][:6]
    torch.testing.assert_close(loaded.anomaly_score(x), model.eval().anomaly_score(x))
