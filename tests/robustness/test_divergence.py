"""The divergence guard and gradient clipping.

A NaN/Inf loss stops training with a message naming the step and the fixes, before the bad update, so the
weights and the last checkpoint are from before the divergence; ``on_nonfinite: skip`` drops the batch instead.
A checkpoint is never written from NaN/Inf parameters. Clipping goes through ``self.clip_gradients`` per network.
"""

from __future__ import annotations

import hashlib

import pytest
import torch
import yaml
from lightning.pytorch import Callback, Trainer
from lightning.pytorch.callbacks import ModelCheckpoint

from lightning_gans import Toy2DDataModule, VanillaGAN
from lightning_gans.cli import main
from lightning_gans.errors import ConfigError, DivergenceError
from tests.robustness.helpers import NaNAtStep


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class RememberLast(Callback):
    """Records last.ckpt's hash at the start of each batch (after the previous batch's save)."""

    def __init__(self, path) -> None:
        self.path = path
        self.digests: list[str] = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if self.path.exists():
            self.digests.append(digest(self.path))


def trainer(tmp_path, *callbacks, max_steps: int = 6) -> Trainer:
    checkpoint = ModelCheckpoint(
        dirpath=tmp_path / "ckpt", save_last=True, save_top_k=0, every_n_train_steps=1
    )
    return Trainer(
        accelerator="cpu",
        max_steps=max_steps,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[checkpoint, *callbacks],
        default_root_dir=tmp_path,
    )


def test_nan_loss_stops_with_a_clear_message_and_keeps_the_last_good_checkpoint(tmp_path):
    model = NaNAtStep(nan_at_step=3, data_shape=[2], hidden_dims=(16,))
    last = tmp_path / "ckpt" / "last.ckpt"
    remember = RememberLast(last)
    with pytest.raises(DivergenceError) as info:
        trainer(tmp_path, remember).fit(model, Toy2DDataModule(batch_size=16))
    message = str(info.value)
    assert "discriminator loss is nan at generator step 3" in message
    assert (
        "--ckpt_path last" in message and "generator_clip_val" in message and "on_nonfinite: skip" in message
    )
    saved = torch.load(last, weights_only=True)
    assert saved["global_step"] == 3
    assert digest(last) == remember.digests[-1]  # untouched since the step before the NaN
    assert all(torch.isfinite(v).all() for v in saved["state_dict"].values())
    assert all(torch.isfinite(p).all() for p in model.parameters())  # stopped before the update


def test_skip_drops_the_bad_batch_and_goes_on(tmp_path):
    model = NaNAtStep(nan_at_step=3, data_shape=[2], hidden_dims=(16,), on_nonfinite="skip")
    with pytest.warns(UserWarning, match="skipped the rest of this batch"):
        trainer(tmp_path).fit(model, Toy2DDataModule(batch_size=16))
    assert model.skipped_batches == 1
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert torch.load(tmp_path / "ckpt" / "last.ckpt", weights_only=True)["global_step"] == 6


class PoisonGenerator(Callback):
    """Sets a generator weight to NaN after step ``step``, before ModelCheckpoint's save (a finite loss with
    Inf gradients does the same)."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step == self.step:
            with torch.no_grad():
                next(pl_module.generator.parameters()).fill_(float("nan"))


def test_a_nan_model_is_never_saved_over_the_last_checkpoint(tmp_path):
    last = tmp_path / "ckpt" / "last.ckpt"
    remember = RememberLast(last)
    with pytest.raises(DivergenceError, match="Not saving a checkpoint at generator step 4"):
        trainer(tmp_path, remember, PoisonGenerator(4)).fit(
            VanillaGAN(data_shape=[2], hidden_dims=(16,)), Toy2DDataModule(batch_size=16)
        )
    assert torch.load(last, weights_only=True)["global_step"] == 3
    assert digest(last) == remember.digests[-1]


def test_divergence_through_the_cli_exits_1_with_the_message(tmp_path, capsys):
    config = {
        "seed_everything": 0,
        "trainer": {"accelerator": "cpu", "max_steps": 5, "logger": False, "enable_progress_bar": False},
        "model": {
            "class_path": "tests.robustness.helpers.NaNAtStep",
            "init_args": {"nan_at_step": 2, "data_shape": [2], "hidden_dims": [8]},
        },
        "data": {"class_path": "lightning_gans.Toy2DDataModule", "init_args": {"batch_size": 16}},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(SystemExit) as info:
        main(["fit", "--config", str(path), f"--trainer.default_root_dir={tmp_path}"])
    assert info.value.code == 1
    assert (
        "lightning-gans: error: Training diverged: the discriminator loss is nan" in capsys.readouterr().err
    )


class RecordGradients(Callback):
    """Largest gradient norm / value each optimizer stepped with (read after optimizer.step)."""

    def __init__(self) -> None:
        self.norms: dict[int, float] = {}
        self.values: dict[int, float] = {}

    def on_train_start(self, trainer, pl_module) -> None:
        for index, optimizer in enumerate(trainer.optimizers):

            def record(opt, args, kwargs, index=index):
                grads = [p.grad for group in opt.param_groups for p in group["params"] if p.grad is not None]
                norm = float(
                    torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
                )
                self.norms[index] = max(self.norms.get(index, 0.0), norm)
                self.values[index] = max(
                    self.values.get(index, 0.0), max(float(g.abs().max()) for g in grads)
                )

            optimizer.register_step_post_hook(record)  # the grads it stepped with (clipped in place)


@pytest.mark.parametrize("algorithm", ["norm", "value"])
def test_each_network_is_clipped_to_its_own_value(tmp_path, algorithm):
    model = VanillaGAN(
        data_shape=[2],
        hidden_dims=(16,),
        generator_clip_val=1e-3,
        discriminator_clip_val=2e-3,
        gradient_clip_algorithm=algorithm,
    )
    record = RecordGradients()
    trainer(tmp_path, record, max_steps=3).fit(model, Toy2DDataModule(batch_size=16))
    seen = record.norms if algorithm == "norm" else record.values
    assert seen[0] <= 1e-3 * (1 + 1e-4) and seen[0] > 0.5e-3  # generator: clipped, not zeroed
    assert seen[1] <= 2e-3 * (1 + 1e-4) and seen[1] > 1e-3


def test_unclipped_gradients_are_larger(tmp_path):
    record = RecordGradients()
    trainer(tmp_path, record, max_steps=3).fit(
        VanillaGAN(data_shape=[2], hidden_dims=(16,)), Toy2DDataModule(batch_size=16)
    )
    assert record.norms[0] > 1e-3 and record.norms[1] > 2e-3


def test_trainer_gradient_clip_val_is_refused_with_a_pointer_to_the_module_arguments(tmp_path):
    with pytest.raises(ConfigError, match="set model generator_clip_val and/or discriminator_clip_val"):
        Trainer(accelerator="cpu", max_steps=1, logger=False, gradient_clip_val=1.0).fit(
            VanillaGAN(data_shape=[2], hidden_dims=(8,)), Toy2DDataModule(batch_size=8)
        )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"generator_clip_val": -1.0}, "generator_clip_val must be > 0"),
        ({"gradient_clip_algorithm": "max"}, "gradient_clip_algorithm must be 'norm' or 'value'"),
        ({"on_nonfinite": "ignore"}, "on_nonfinite must be 'stop', 'skip' or 'off'"),
        ({"ema_decay": 1.0}, r"ema_decay must be in \[0, 1\)"),
    ],
)
def test_bad_robustness_settings_are_refused(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        VanillaGAN(data_shape=[2], **kwargs)
