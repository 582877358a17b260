"""``lightning-gans evaluate``: metrics of a checkpoint with the protocol, data inferred or given."""

from __future__ import annotations

import pytest
import torch
from lightning.pytorch import Trainer
from lightning.pytorch.callbacks import ModelCheckpoint

from lightning_gans import DCGAN, DigitsDataModule, Evaluation, Toy2DDataModule, VanillaGAN
from lightning_gans.cli import main


def train_checkpoint(tmp_path, model, datamodule, callbacks=()) -> str:
    torch.manual_seed(0)
    trainer = Trainer(
        accelerator="cpu",
        default_root_dir=str(tmp_path),
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        max_steps=2,
        callbacks=[*callbacks, ModelCheckpoint(dirpath=tmp_path / "ckpt", save_last=True)],
    )
    trainer.fit(model, datamodule=datamodule)
    return str(tmp_path / "ckpt" / "last.ckpt")


def test_evaluate_digits_checkpoint_infers_data_from_the_evaluation_record(tmp_path, capsys):
    model = DCGAN(data_shape=(1, 16, 16), latent_dim=8, generator_width=8, discriminator_width=8)
    evaluation = Evaluation(every_n_steps=0, num_samples=32, batch_size=32)
    ckpt = train_checkpoint(tmp_path, model, DigitsDataModule(image_size=16, batch_size=16), [evaluation])
    capsys.readouterr()
    main(["evaluate", "--ckpt", ckpt, "--num_samples", "64", "--json", str(tmp_path / "out.json")])
    out = capsys.readouterr().out
    assert "digits CNN" in out  # feature network
    assert "64 (noise seed 0" in out  # sample count
    assert "digits train split (1437 images, 16x16)" in out  # real split
    assert "Evaluation callback" in out
    assert "fid" in out and "class_kl" in out and "Real baseline" in out
    import json

    result = json.loads((tmp_path / "out.json").read_text())
    assert result["metrics"]["fid"] > result["real_baseline"]["fid"]


def test_evaluate_toy_checkpoint_with_data_option_is_repeatable(tmp_path, capsys):
    ckpt = train_checkpoint(
        tmp_path, VanillaGAN(latent_dim=4, hidden_dims=(16,)), Toy2DDataModule("grid25", batch_size=32)
    )
    capsys.readouterr()
    args = ["evaluate", "--ckpt", ckpt, "--data", "grid25", "--num_samples", "500", "--seed", "3"]
    main(args)
    first = capsys.readouterr().out
    assert "grid25 mode centres" in first and "500 (noise seed 3" in first and "reverse_kl" in first
    main(args)
    assert capsys.readouterr().out == first


def test_evaluate_without_data_information_says_what_to_pass(tmp_path, capsys):
    ckpt = train_checkpoint(
        tmp_path, VanillaGAN(latent_dim=4, hidden_dims=(16,)), Toy2DDataModule("ring8", batch_size=32)
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--ckpt", ckpt])
    assert exit_info.value.code == 1
    assert "--data" in capsys.readouterr().err  # one line saying what to pass, no traceback


def test_evaluate_a_users_2d_data_module_gets_vector_metrics(tmp_path, capsys, monkeypatch):
    import yaml

    from lightning_gans.metrics.image import INCEPTION_WEIGHTS_ENV
    from lightning_gans.tools.evaluate import evaluate
    from tests.callbacks.test_evaluation_by_data import TwoMoons

    monkeypatch.delenv(INCEPTION_WEIGHTS_ENV, raising=False)
    # no Inception weights anywhere: vectors must not ask for them
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    ckpt = train_checkpoint(tmp_path, VanillaGAN(latent_dim=4, hidden_dims=(16,)), TwoMoons(batch_size=32))
    config = tmp_path / "moons.yaml"
    config.write_text(
        yaml.safe_dump({"data": {"class_path": "tests.callbacks.test_evaluation_by_data.TwoMoons"}})
    )
    capsys.readouterr()
    result = evaluate(["--ckpt", ckpt, "--config", str(config), "--num_samples", "300"])
    out = capsys.readouterr().out
    assert "raw vectors" in out and "300 training vectors of TwoMoons" in out
    assert set(result["metrics"]) == {"precision", "recall", "density", "coverage", "energy"}
