"""Bad input through the real CLI: each case exits non-zero with a message naming the problem and the fix, and
files saved before (an earlier checkpoint and last.ckpt in the run folder) are left untouched.

Documented choice for image sizes: the image data modules *resize* (short side to ``image_size``, then a centre
crop), so any picture size is accepted; a data module whose ``image_size`` does not match the model's
``data_shape`` is *refused* (no silent interpolation of the model's output).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from PIL import Image

from lightning_gans.cli import main
from tests.forkserver import lightning_gans

REPO = Path(__file__).resolve().parents[2]


def base_config(run: Path) -> dict:
    return {
        "seed_everything": 0,
        "trainer": {
            "accelerator": "cpu",
            "max_steps": 1,
            "logger": False,
            "enable_progress_bar": False,
            "enable_model_summary": False,
            "default_root_dir": str(run),
            "callbacks": [
                {
                    "class_path": "lightning.pytorch.callbacks.ModelCheckpoint",
                    "init_args": {"dirpath": str(run / "checkpoints"), "save_last": True},
                }
            ],
        },
        "model": {
            "class_path": "lightning_gans.DCGAN",
            "init_args": {
                "data_shape": [1, 16, 16],
                "latent_dim": 8,
                "generator_width": 8,
                "discriminator_width": 8,
            },
        },
        "data": {
            "class_path": "lightning_gans.DigitsDataModule",
            "init_args": {"image_size": 16, "batch_size": 16},
        },
    }


@pytest.fixture
def run(tmp_path) -> Path:
    """A run folder holding checkpoints saved by an earlier run (their bytes must survive a failed start)."""
    folder = tmp_path / "run"
    (folder / "checkpoints").mkdir(parents=True)
    (folder / "checkpoints" / "epoch=0-step=100.ckpt").write_bytes(b"earlier checkpoint " * 100)
    (folder / "checkpoints" / "last.ckpt").write_bytes(b"last good checkpoint " * 100)
    return folder


def saved_files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*.ckpt")
        if p.is_file()
    }


def fit_fails(tmp_path: Path, run: Path, config: dict, capsys, *overrides: str) -> tuple[int, str]:
    """Runs ``lightning-gans fit`` in-process; returns (exit status, stderr) and checks the saved files."""
    before = saved_files(run)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", "--config", str(path), *overrides])
    assert saved_files(run) == before, "a failed start changed or added checkpoint files"
    return exit_info.value.code, capsys.readouterr().err


def image_folder(root: Path, n_good: int = 4, corrupt: bool = False, size: int = 20) -> Path:
    (root / "all").mkdir(parents=True, exist_ok=True)
    for i in range(n_good):
        Image.new("RGB", (size, size + 4), (i * 40, 10, 200)).save(root / "all" / f"{i:03d}.png")
    if corrupt:
        (root / "all" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    return root


def folder_data(root: Path) -> dict:
    return {
        "class_path": "lightning_gans.ImageFolderDataModule",
        "init_args": {"root": str(root), "image_size": 16, "channels": 1, "batch_size": 2, "num_workers": 0},
    }


def test_missing_data_folder(tmp_path, run, capsys):
    config = base_config(run)
    config["data"] = folder_data(tmp_path / "no_such_folder")
    code, err = fit_fails(tmp_path, run, config, capsys)
    assert code == 1
    assert "no_such_folder does not exist" in err and "Point root at the folder" in err
    assert "Traceback" not in err


def test_empty_data_folder(tmp_path, run, capsys):
    (tmp_path / "empty" / "all").mkdir(parents=True)
    config = base_config(run)
    config["data"] = folder_data(tmp_path / "empty")
    code, err = fit_fails(tmp_path, run, config, capsys)
    assert code == 1
    assert "No images found" in err and "Add images or point root at another folder" in err


def test_corrupt_image(tmp_path, run, capsys):
    config = base_config(run)
    config["data"] = folder_data(image_folder(tmp_path / "images", corrupt=True))
    code, err = fit_fails(tmp_path, run, config, capsys)
    assert code == 1
    assert "broken.png" in err and "cannot be read" in err and "Delete or replace" in err


def test_images_of_another_size_are_resized(tmp_path, run):
    """20x24 pictures with image_size 16: resized and centre-cropped, training runs (the documented choice)."""
    config = base_config(run)
    config["data"] = folder_data(image_folder(tmp_path / "images", size=20))
    config["trainer"]["callbacks"][0]["init_args"]["dirpath"] = str(tmp_path / "new_checkpoints")
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    main(["fit", "--config", str(path)])
    assert (tmp_path / "new_checkpoints" / "last.ckpt").is_file()


def test_channel_count_that_does_not_match_the_model(tmp_path, run, capsys):
    config = base_config(run)
    config["model"]["init_args"]["data_shape"] = [3, 16, 16]
    code, err = fit_fails(tmp_path, run, config, capsys)
    assert code == 1
    assert "channel count does not match the model" in err
    assert "data gives (1, 16, 16), the generator makes (3, 16, 16)" in err
    assert "Set model data_shape to [1, 16, 16]" in err


def test_image_size_that_does_not_match_the_model(tmp_path, run, capsys):
    config = base_config(run)
    config["model"]["init_args"]["data_shape"] = [1, 32, 32]
    code, err = fit_fails(tmp_path, run, config, capsys)
    assert code == 1
    assert "shape does not match the model" in err and "Set model data_shape to [1, 16, 16]" in err
    assert "image_size" in err


def test_dcgan_size_that_is_not_a_power_of_two(tmp_path, run, capsys):
    config = base_config(run)
    config["model"]["init_args"]["data_shape"] = [1, 24, 24]
    config["data"]["init_args"]["image_size"] = 24
    code, err = fit_fails(tmp_path, run, config, capsys)
    assert code == 1
    assert "power of two" in err and "got 24" in err and "8, 16, 32" in err


def test_unknown_config_key(tmp_path, run, capsys):
    config = base_config(run)
    config["model"]["init_args"]["generator_widht"] = 8  # a typo
    code, err = fit_fails(tmp_path, run, config, capsys)
    assert code == 2
    assert "generator_widht" in err


def test_unknown_command_line_key(tmp_path, run, capsys):
    code, err = fit_fails(tmp_path, run, base_config(run), capsys, "--trainer.max_stepz=3")
    assert code == 2
    assert "max_stepz" in err


@pytest.mark.parametrize("network", ["generator", "discriminator"])
def test_negative_learning_rate(tmp_path, run, capsys, network):
    config = base_config(run)
    config["model"]["init_args"][f"{network}_optimizer"] = {
        "class_path": "torch.optim.Adam",
        "init_args": {"lr": -0.001},
    }
    code, err = fit_fails(tmp_path, run, config, capsys)
    assert code == 1
    assert f"The {network} optimizer" in err and "-0.001" in err and f"Fix model {network}_optimizer" in err


def test_trainer_gradient_clip_val_points_to_the_module_arguments(tmp_path, run, capsys):
    config = base_config(run)
    config["trainer"]["gradient_clip_val"] = 1.0
    code, err = fit_fails(tmp_path, run, config, capsys)
    assert code == 1
    assert "gradient_clip_val" in err and "generator_clip_val" in err and "discriminator_clip_val" in err


def test_the_console_command_exits_non_zero_with_the_message(tmp_path, run):
    """``lightning-gans`` as a process of its own: status 1, one-line message, no traceback, checkpoints intact."""
    before = saved_files(run)
    config = base_config(run)
    config["model"]["init_args"]["data_shape"] = [3, 16, 16]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    result = lightning_gans(["fit", "--config", str(path)], cwd=REPO)
    assert result.returncode == 1
    assert "lightning-gans: error: The data's sample channel count does not match the model" in result.stderr
    assert "Traceback" not in result.stderr
    assert saved_files(run) == before
