"""CycleGAN and Pix2Pix on the engine: short fits on a tiny in-test data module with the batch contract,
checkpoint round trips through ``load_model``, exact resume (pools included), the wgan-gp and semantic terms,
and the start-up / DDP refusals."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from lightning.pytorch import Callback, Trainer, seed_everything
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.strategies import DDPStrategy
from torch import nn

from lightning_gans import CycleGAN, Pix2Pix
from lightning_gans.capabilities import Translates
from lightning_gans.checkpoint import load_model
from lightning_gans.engine import public_class_path
from lightning_gans.errors import ConfigError
from tests.translation_data import TinyTranslationData

TINY_CYCLEGAN = dict(
    image_size=16, generator_width=4, discriminator_width=4, n_blocks=1, discriminator_layers=2
)
TINY_PIX2PIX = dict(image_size=16, generator_width=4, discriminator_width=4, discriminator_layers=2)


class KeepOutputs(Callback):
    def __init__(self) -> None:
        self.outputs = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.outputs.append(outputs)


def fit(model, data, steps=2, callbacks=(), root=None, ckpt_path=None, **kwargs) -> Trainer:
    trainer = Trainer(
        max_steps=steps,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=any(isinstance(c, ModelCheckpoint) for c in callbacks),
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=list(callbacks),
        default_root_dir=root,
        limit_val_batches=0,
        **kwargs,
    )
    trainer.fit(model, data, ckpt_path=ckpt_path)
    return trainer


def test_cyclegan_fits_two_steps_and_logs_every_term():
    seed_everything(0)
    model = CycleGAN(channels_a=1, channels_b=3, **TINY_CYCLEGAN)
    keep = KeepOutputs()
    trainer = fit(model, TinyTranslationData(1, 3), callbacks=[keep])
    assert trainer.global_step == 2  # one counted (generator) step per batch
    assert set(keep.outputs[0]) == {
        "d_loss", "g_loss", "g_adv_ab", "g_adv_ba", "g_cycle_a", "g_cycle_b", "d_a", "d_b",
    }  # fmt: skip  # channels differ: no identity terms
    assert "train/g_cycle_a" in trainer.callback_metrics
    assert isinstance(model, Translates)
    x = torch.rand(2, 1, 16, 16) * 2 - 1
    assert model.translate(x).shape == (2, 3, 16, 16)
    assert model.translate(model.translate(x), "b2a").shape == (2, 1, 16, 16)
    assert len(model.pools["a"]) == len(model.pools["b"]) == 4


def test_cyclegan_identity_terms_when_channels_match():
    seed_everything(0)
    model = CycleGAN(channels_a=1, channels_b=1, pool_size=0, **TINY_CYCLEGAN)
    keep = KeepOutputs()
    fit(model, TinyTranslationData(1, 1), steps=1, callbacks=[keep])
    assert {"g_idt_a", "g_idt_b"} <= set(keep.outputs[0])


def test_pix2pix_fits_two_steps_and_translates_one_way():
    seed_everything(0)
    model = Pix2Pix(channels_a=1, channels_b=3, **TINY_PIX2PIX)
    keep = KeepOutputs()
    trainer = fit(model, TinyTranslationData(1, 3), callbacks=[keep])
    assert trainer.global_step == 2
    assert set(keep.outputs[0]) == {"d_loss", "g_loss", "g_l1"}
    assert model.discriminator.model[0].in_channels == 4  # conditional: cat(A, B)
    assert isinstance(model, Translates)
    assert model.translate(torch.zeros(1, 1, 16, 16)).shape == (1, 3, 16, 16)
    with pytest.raises(ValueError, match="A -> B only"):
        model.translate(torch.zeros(1, 3, 16, 16), "b2a")


@pytest.mark.parametrize("family", ["cyclegan", "pix2pix"])
def test_checkpoint_round_trip_gives_identical_translations(tmp_path, family):
    seed_everything(0)
    if family == "cyclegan":
        model = CycleGAN(channels_a=1, channels_b=3, ema_decay=0.9, **TINY_CYCLEGAN)
    else:
        model = Pix2Pix(channels_a=1, channels_b=3, ema_decay=0.9, **TINY_PIX2PIX)
    checkpoint = ModelCheckpoint(dirpath=tmp_path, filename="tiny")
    fit(model, TinyTranslationData(1, 3), callbacks=[checkpoint], root=tmp_path)
    loaded = load_model(checkpoint.best_model_path)
    assert type(loaded) is type(model)
    saved = torch.load(checkpoint.best_model_path, weights_only=True)
    assert (
        saved["lightning_gans_class"]
        == public_class_path(type(model))
        == f"lightning_gans.{type(model).__name__}"
    )
    x = torch.rand(3, 1, 16, 16) * 2 - 1
    assert torch.equal(loaded.translate(x), model.translate(x))
    assert not torch.equal(model.translate(x, ema=False), model.translate(x))  # the EMA copy is used
    if family == "cyclegan":
        y = torch.rand(3, 3, 16, 16) * 2 - 1
        assert torch.equal(loaded.translate(y, "b2a"), model.translate(y, "b2a"))
        assert torch.equal(loaded.pools["a"].state_dict()["images"], model.pools["a"].state_dict()["images"])


@pytest.mark.parametrize("family", ["cyclegan", "pix2pix"])
def test_resume_is_exact(tmp_path, family):
    """4 steps in one run == 2 steps, then a new process-like run resuming 2 more from the checkpoint."""

    def make():
        seed_everything(0)
        if family == "cyclegan":  # a pool of 2 is full after the first batch: later steps draw from it
            return CycleGAN(channels_a=1, channels_b=1, pool_size=2, **TINY_CYCLEGAN)
        return Pix2Pix(channels_a=1, channels_b=3, **TINY_PIX2PIX)

    data = lambda: TinyTranslationData(1, 1 if family == "cyclegan" else 3)  # noqa: E731
    full = make()
    fit(full, data(), steps=4)
    first = make()
    checkpoint = ModelCheckpoint(dirpath=tmp_path, save_last=True, save_top_k=0, every_n_train_steps=2)
    fit(first, data(), steps=2, callbacks=[checkpoint], root=tmp_path)
    resumed = make()
    fit(resumed, data(), steps=4, ckpt_path=str(tmp_path / "last.ckpt"), root=tmp_path)
    a, b = full.state_dict(), resumed.state_dict()
    differing = [k for k in a if not torch.equal(a[k], b[k])]
    assert not differing, differing[:5]
    if family == "cyclegan":
        assert torch.equal(full.pools["b"].state_dict()["images"], resumed.pools["b"].state_dict()["images"])


def test_wgan_gp_includes_the_gradient_penalty():
    seed_everything(0)
    model = CycleGAN(channels_a=1, channels_b=3, gan_loss="wgan-gp", lambda_gp=10.0, **TINY_CYCLEGAN)
    keep = KeepOutputs()
    fit(model, TinyTranslationData(1, 3), callbacks=[keep])
    for outputs in keep.outputs:
        assert outputs["gp_a"] > 0 and outputs["gp_b"] > 0
        assert torch.isfinite(outputs["d_loss"])


def test_wgan_gp_refuses_batch_norm_critics():
    with pytest.raises(ConfigError, match="norm: instance"):
        CycleGAN(gan_loss="wgan-gp", norm="batch", **TINY_CYCLEGAN)


class FrozenClassifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(256, 2), nn.Dropout(0.5))


def test_semantic_term_uses_a_frozen_classifier_and_the_labels():
    seed_everything(0)
    classifier = FrozenClassifier().net
    before = [p.clone() for p in classifier.parameters()]
    model = CycleGAN(
        channels_a=1, channels_b=1, semantic_classifier=classifier, lambda_semantic=1.0, **TINY_CYCLEGAN
    )
    keep = KeepOutputs()
    fit(model, TinyTranslationData(1, 1, labels=True), callbacks=[keep])
    assert all(o["g_semantic"] > 0 for o in keep.outputs)
    assert all(torch.equal(p, q) for p, q in zip(before, classifier.parameters(), strict=True))
    assert "semantic_classifier" not in model.hparams  # network objects are not hyperparameters
    with pytest.raises(ConfigError, match="semantic_classifier"):
        CycleGAN(lambda_semantic=1.0, **TINY_CYCLEGAN)


def test_validation_logs_the_cycle_and_l1_errors():
    seed_everything(0)
    model = CycleGAN(channels_a=1, channels_b=3, **TINY_CYCLEGAN)
    trainer = Trainer(accelerator="cpu", logger=False, enable_progress_bar=False, enable_model_summary=False)
    [metrics] = trainer.validate(model, TinyTranslationData(1, 3), verbose=False)
    assert set(metrics) == {"val/cycle_a", "val/cycle_b"}
    [metrics] = trainer.validate(
        Pix2Pix(channels_a=1, channels_b=3, **TINY_PIX2PIX), TinyTranslationData(1, 3), verbose=False
    )
    assert set(metrics) == {"val/l1"}


def test_start_up_checks():
    with pytest.raises(ConfigError, match="discriminator_layers: 2"):
        CycleGAN(image_size=16, generator_width=4, discriminator_width=4)
    with pytest.raises(ConfigError, match="gan_loss"):
        Pix2Pix(gan_loss="wgan-gp", **TINY_PIX2PIX)
    with pytest.raises(ConfigError, match="lambda_cycle"):
        CycleGAN(lambda_cycle=-1.0, **TINY_CYCLEGAN)
    model = CycleGAN(channels_a=3, channels_b=3, **TINY_CYCLEGAN)
    with pytest.raises(ConfigError, match="channels_a: 1"):
        fit(model, TinyTranslationData(1, 3), steps=1)


def _fake_ddp_trainer(world_size: int, layer_sync=None) -> SimpleNamespace:
    strategy = DDPStrategy()
    strategy._layer_sync = layer_sync
    return SimpleNamespace(strategy=strategy, world_size=world_size)


def test_unsynced_batch_norm_under_multi_process_ddp_is_warned_about():
    import warnings

    model = Pix2Pix(channels_a=1, channels_b=3, **TINY_PIX2PIX)  # batch norm: the reference default
    model._trainer = _fake_ddp_trainer(2)
    with pytest.warns(UserWarning, match="norm: instance"):  # on CPU: no SyncBatchNorm to suggest
        model.setup("fit")
    for world_size, layer_sync, norm in ((2, object(), "batch"), (1, None, "batch"), (2, None, "instance")):
        quiet = Pix2Pix(channels_a=1, channels_b=3, norm=norm, **TINY_PIX2PIX)
        quiet._trainer = _fake_ddp_trainer(world_size, layer_sync)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            quiet.setup("fit")


def test_linear_decay_as_phase_schedulers_and_the_early_end_warning():
    from functools import partial

    from lightning_gans.engine import LinearDecayLR

    seed_everything(0)
    decay = partial(LinearDecayLR, n_steps=1, n_steps_decay=2)
    model = CycleGAN(
        channels_a=1, channels_b=3, generator_scheduler=decay, discriminator_scheduler=decay, **TINY_CYCLEGAN
    )
    with pytest.warns(UserWarning, match="LinearDecayLR schedule reaches a learning rate of 0 at step 3"):
        fit(model, TinyTranslationData(1, 3), steps=4)
    # stepped once per batch: factors 1, 1, 0.5, 0 for steps 0-3, then 0 after the last step
    assert [opt.param_groups[0]["lr"] for opt in model.trainer.optimizers] == [0.0, 0.0]
