"""Issue 21's user mistakes, each through the real command: non-zero exit, no traceback, one error line naming the
problem and the fix, and every file in the working folder byte-identical afterwards.

Each case runs as a subprocess (``python -m lightning_gans ...``). The tools' option checks answer before torch is
imported (a fraction of a second); the cases that import Lightning take 10-20 s each on a busy 2-core machine, so
their subprocess runs are marked slow and the default suite runs them in-process (``commands.main``) instead.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from lightning.pytorch import Trainer
from lightning.pytorch.callbacks import ModelCheckpoint
from PIL import Image

from lightning_gans import ArrayDataModule, VanillaGAN
from lightning_gans.commands import main
from tests.forkserver import lightning_gans

REPO = Path(__file__).resolve().parents[2]

LIGHTNING_INFO = ("Seed set to", "GPU available", "TPU available", "HPU available", "💡 Tip")
"""Lightning's own start-up lines on stderr (logging), printed before a setting is checked; not errors."""

FIT = ["--trainer.logger=false", "--trainer.enable_progress_bar=false", "--trainer.accelerator=cpu"]

# (id, command line after `lightning-gans`, imports Lightning); WORK is the working folder's fixture files
TOOL_CASES = [
    ("sample-num-0", ["sample", "--ckpt", "table.ckpt", "--num", "0"]),
    ("sample-num-negative-grid", ["sample", "--ckpt", "table.ckpt", "--num", "-5", "--grid"]),
    ("sample-truncation-0", ["sample", "--ckpt", "table.ckpt", "--truncation", "0"]),
    ("sample-batch-size-0", ["sample", "--ckpt", "table.ckpt", "--batch_size", "0"]),
    ("interpolate-steps-0", ["interpolate", "--ckpt", "table.ckpt", "--steps", "0"]),
    ("evaluate-num-samples-0", ["evaluate", "--ckpt", "table.ckpt", "--num_samples", "0"]),
]
HEAVY_CASES = [
    ("fit-latent-dim-0", ["fit", "--config", "image.yaml", "--model.init_args.latent_dim", "0", *FIT]),
    ("fit-latent-dim-negative", ["fit", "--config", "image.yaml", "--model.latent_dim", "-3", *FIT]),
    ("fit-abbreviated-key", ["fit", "--config", "image.yaml", "--trainer.max_step", "1", *FIT]),
    ("fit-unknown-trainer-key", ["fit", "--config", "image.yaml", "--trainer.acelerator", "cpu", *FIT]),
    ("fit-misspelt-model-key", ["fit", "--config", "image.yaml", "--model.latnt_dim", "5", *FIT]),
    ("fit-image-batch-above-data", ["fit", "--config", "image.yaml", "--data.batch_size", "64", *FIT]),
    ("fit-table-batch-above-data", ["fit", "--config", "table.yaml", "--data.batch_size", "500", *FIT]),
    ("fit-table-missing-label", ["fit", "--config", "table.yaml", "--data.label_column", "label", *FIT]),
    ("test-no-test-step", ["test", "--config", "image.yaml", *FIT]),
    ("test-truncated-ckpt", ["test", "--config", "table.yaml", "--ckpt_path", "truncated.ckpt", *FIT]),
    ("test-table-without-normal-classes", ["test", "--config", "table.yaml", *FIT]),
    ("sample-grid-of-rows", ["sample", "--ckpt", "table.ckpt", "--num", "4", "--grid", "--out", "g.png"]),
    ("interpolate-rows", ["interpolate", "--ckpt", "table.ckpt", "--out", "walk.png"]),
    ("fit-digits-batch-above-data", ["fit", "--config", "digits.yaml", "--data.batch_size", "5000", *FIT]),
]
EXPECTED = {  # what the one line must name (the problem and the fix)
    "fit-latent-dim-0": ["latent_dim is 0", ">= 1"],
    "fit-latent-dim-negative": ["latent_dim is -3", ">= 1"],
    "fit-abbreviated-key": ["trainer.max_step", "did you mean `trainer.max_steps`"],
    "fit-unknown-trainer-key": ["trainer.acelerator", "did you mean `trainer.accelerator`"],
    "fit-misspelt-model-key": ["latnt_dim", "did you mean `latent_dim`"],
    "fit-image-batch-above-data": ["4 training images", "--data.batch_size 4 or lower"],
    "fit-table-batch-above-data": ["training rows", "--data.batch_size"],
    "fit-digits-batch-above-data": ["batch_size 5000", "--data.batch_size 1437 or lower"],
    "fit-table-missing-label": ["'label' is not a column", "--data.label_column null"],
    "test-no-test-step": ["no test step", "evaluate"],
    "test-truncated-ckpt": ["truncated.ckpt", "not a complete checkpoint"],
    "test-table-without-normal-classes": ["normal_classes", "--data.label_column"],
    "sample-grid-of-rows": ["rows of 3 values", "rows.csv"],
    "interpolate-rows": ["rows of 3 values", "lightning-gans sample"],
    "sample-num-0": ["--num", ">= 1"],
    "sample-num-negative-grid": ["--num", ">= 1"],
    "sample-truncation-0": ["--truncation", "> 0"],
    "sample-batch-size-0": ["--batch_size", ">= 1"],
    "interpolate-steps-0": ["--steps", ">= 1"],
    "evaluate-num-samples-0": ["--num_samples", ">= 1"],
}


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """A working folder: a plain table (header, no label column), a 4-image ImageFolder, configs for both, a
    tiny table checkpoint, a truncated copy of it, and a run folder with earlier checkpoints."""
    folder = tmp_path_factory.mktemp("work")
    rng = np.random.default_rng(0)
    np.savetxt(folder / "rows.csv", rng.normal(size=(40, 3)), delimiter=",", header="a,b,c", comments="")
    (folder / "images" / "cats").mkdir(parents=True)
    for i in range(4):
        Image.fromarray(rng.integers(0, 256, (16, 16), dtype=np.uint8), mode="L").save(
            folder / "images" / "cats" / f"{i}.png"
        )
    run = folder / "run"
    (run / "checkpoints").mkdir(parents=True)
    (run / "checkpoints" / "last.ckpt").write_bytes(b"last good checkpoint " * 100)
    common = {"seed_everything": 0, "trainer": {"max_steps": 1, "default_root_dir": str(run)}}
    image = {
        **common,
        "model": {
            "class_path": "lightning_gans.DCGAN",
            "init_args": {
                "data_shape": [1, 16, 16],
                "latent_dim": 4,
                "generator_width": 4,
                "discriminator_width": 4,
            },
        },
        "data": {
            "class_path": "lightning_gans.ImageFolderDataModule",
            "init_args": {
                "root": "images",
                "image_size": 16,
                "channels": 1,
                "batch_size": 2,
                "num_workers": 0,
            },
        },
    }
    table = {
        **common,
        "model": {"class_path": "lightning_gans.BiGAN", "init_args": {"data_shape": [3], "latent_dim": 2}},
        "data": {
            "class_path": "lightning_gans.ArrayDataModule",
            "init_args": {"data": "rows.csv", "batch_size": 8},
        },
    }
    digits = {
        **common,
        "model": dict(image["model"]),
        "data": {"class_path": "lightning_gans.DigitsDataModule", "init_args": {"image_size": 16}},
    }
    (folder / "digits.yaml").write_text(yaml.safe_dump(digits))
    (folder / "image.yaml").write_text(yaml.safe_dump(image))
    (folder / "table.yaml").write_text(yaml.safe_dump(table))
    checkpoint = ModelCheckpoint(dirpath=folder, filename="table")
    Trainer(
        max_steps=2,
        accelerator="cpu",
        logger=False,
        callbacks=[checkpoint],
        enable_progress_bar=False,
        enable_model_summary=False,
    ).fit(
        VanillaGAN(data_shape=[3], latent_dim=2, hidden_dims=(8,)),
        ArrayDataModule(str(folder / "rows.csv"), batch_size=8),
    )
    data = Path(checkpoint.best_model_path).read_bytes()
    (folder / "truncated.ckpt").write_bytes(data[: len(data) // 2])
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` -> its SHA-256."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def check_one_line(name: str, status: int, stderr: str) -> None:
    assert status not in (0, None), f"{name}: exit status {status}\n{stderr}"
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith(LIGHTNING_INFO)]
    assert len(lines) == 1 and "error" in lines[0], f"{name}: expected one error line, got:\n{stderr}"
    assert lines[0].startswith("lightning-gans: error: "), lines[0]
    for words in EXPECTED[name]:
        assert words in lines[0], f"{name}: {words!r} not in {lines[0]!r}"


def run_subprocess(work: Path, args: list[str]) -> subprocess.CompletedProcess:
    """``lightning-gans ARGS`` as a process of its own (a fork server child, ``tests/forkserver.py``)."""
    return lightning_gans(args, cwd=work)


CASES = [pytest.param(name, args, id=name) for name, args in (*TOOL_CASES, *HEAVY_CASES)]


@pytest.mark.parametrize(("name", "args"), CASES)
def test_mistake_is_one_line_as_a_subprocess(work, name, args):
    before = snapshot(work)
    run = run_subprocess(work, args)
    check_one_line(name, run.returncode, run.stderr)
    assert snapshot(work) == before


@pytest.mark.parametrize(("name", "args"), [pytest.param(n, a, id=n) for n, a in HEAVY_CASES])
def test_mistake_is_one_line_in_process(work, name, args, capsys, monkeypatch):
    """The same refusals through ``commands.main`` in this process (no Lightning import per case)."""
    monkeypatch.chdir(work)
    before = snapshot(work)
    with pytest.raises(SystemExit) as exit_:
        main(args)
    check_one_line(name, exit_.value.code, capsys.readouterr().err)
    assert snapshot(work) == before


def test_more_cpu_processes_than_cores_warns_once(work, monkeypatch):
    from lightning_gans.cli import warn_about_more_cpu_processes_than_cores

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    with pytest.warns(UserWarning, match=r"trainer.devices 3 .* 2 CPU cores \(os.cpu_count\(\)\)") as record:
        warn_about_more_cpu_processes_than_cores({"trainer": {"devices": 3, "accelerator": "cpu"}})
    assert len(record) == 1
    warn_about_more_cpu_processes_than_cores({"trainer": {"devices": 2, "accelerator": "cpu"}})  # no warning
