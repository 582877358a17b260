"""Checkpoints name the public class, old checkpoints still load, and a file that is not a good checkpoint is
reported for what it is (never with advice to load it unsafely)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import lightning_gans
from lightning_gans.checkpoint import CLASS_KEY, load_gan, public_class_path
from lightning_gans.errors import CheckpointError

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    "name, cls", [("vanilla_ring8_v010.ckpt", "VanillaGAN"), ("dcgan_digits16_v010.ckpt", "DCGAN")]
)
def test_checkpoints_of_0_1_0_still_load(name, cls):
    """Written by main before the engine redesign, naming module paths (lightning_gans.modules.vanilla...)."""
    raw = torch.load(FIXTURES / name, weights_only=True)
    assert raw[CLASS_KEY].startswith("lightning_gans.modules.")
    model = load_gan(FIXTURES / name)
    assert type(model) is getattr(lightning_gans, cls)
    for key, value in raw["state_dict"].items():
        torch.testing.assert_close(model.state_dict()[key], value, rtol=0, atol=0)
    assert model.sample(3).isfinite().all()


def test_a_moved_module_path_falls_back_to_the_public_class(tmp_path):
    raw = torch.load(FIXTURES / "vanilla_ring8_v010.ckpt", weights_only=True)
    raw[CLASS_KEY] = "lightning_gans.modules.base_that_moved.VanillaGAN"
    torch.save(raw, tmp_path / "moved.ckpt")
    assert type(load_gan(tmp_path / "moved.ckpt")) is lightning_gans.VanillaGAN


def test_new_checkpoints_name_the_public_class():
    assert public_class_path(lightning_gans.DCGAN) == "lightning_gans.DCGAN"

    class Mine(lightning_gans.DCGAN):
        pass

    assert public_class_path(Mine).endswith(".Mine") and not public_class_path(Mine).startswith(
        "lightning_gans."
    )


def test_truncated_and_text_files_are_named_for_what_they_are(tmp_path):
    data = (FIXTURES / "vanilla_ring8_v010.ckpt").read_bytes()
    (tmp_path / "cut.ckpt").write_bytes(data[: len(data) // 2])
    (tmp_path / "notes.ckpt").write_text("not a checkpoint\n")
    with pytest.raises(CheckpointError, match="truncated or corrupt") as info:
        load_gan(tmp_path / "cut.ckpt")
    with pytest.raises(CheckpointError, match="is not a checkpoint") as info2:
        load_gan(tmp_path / "notes.ckpt")
    for message in (str(info.value), str(info2.value)):
        assert "weights_only=False" not in message and "trust" not in message
