"""The README's "Anomaly detection" commands run as written, each as its own process from a fresh interpreter
state (a child of ``tests/forkserver.py``, where ``lightning_gans`` has not been imported): training on a table,
then ``score`` on an image folder and on a CSV (image model: a tiny BiGAN checkpoint; table model: the README's
own fit command, 2 steps)."""

from __future__ import annotations

import csv
import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from lightning.pytorch import Trainer
from PIL import Image

from lightning_gans import BiGAN, DigitsDataModule
from tests.forkserver import lightning_gans

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text()
SECTION = README.split("## Anomaly detection", 1)[1].split("\n## ", 1)[0]


def commands(pattern: str) -> list[str]:
    return re.findall(rf"^\.venv/bin/lightning-gans ({pattern} .*?)(?:\s+#.*)?$", SECTION, re.M)


def variable(name: str) -> str:
    return re.search(rf"^{name}=(\S+)$", SECTION, re.M).group(1)


@pytest.fixture
def image_ckpt(tmp_path) -> str:
    model = BiGAN(
        data_shape=[1, 16, 16],
        latent_dim=8,
        generator_width=8,
        encoder_width=8,
        discriminator_width=8,
        joint_dim=16,
    )
    trainer = Trainer(
        max_epochs=1,
        accelerator="cpu",
        default_root_dir=tmp_path,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(model, DigitsDataModule(image_size=16, batch_size=32, normal_classes=[0]))
    trainer.save_checkpoint(tmp_path / "image.ckpt")
    return str(tmp_path / "image.ckpt")


def test_readme_score_commands_run(image_ckpt, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    (work / "configs").symlink_to(ROOT / "configs")  # the commands name configs/ relative to the repository
    monkeypatch.chdir(work)
    rng = np.random.default_rng(0)
    header = "a,b,c"  # a plain table: the README's commands need no label column
    np.savetxt("rows.csv", rng.normal(size=(100, 3)), delimiter=",", header=header, comments="")
    np.savetxt("new_rows.csv", rng.normal(size=(5, 3)), delimiter=",", header=header, comments="")
    Path("to_check/more").mkdir(parents=True)
    for i in range(5):
        pixels = rng.integers(0, 256, (20, 20), dtype=np.uint8)
        Image.fromarray(pixels, mode="L").save(f"to_check/{'more/' if i % 2 else ''}{i}.png")

    [fit] = [c for c in commands("fit") if "table" in c]
    result = lightning_gans(
        [*shlex.split(fit), "--trainer.max_steps=2", "--trainer.enable_progress_bar=false"], work
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table_ckpt = variable("TABLE_CKPT")
    assert Path(table_ckpt).is_file(), "the README's TABLE_CKPT path is not where the fit command writes"

    scores = commands("score")
    assert any("to_check/" in c for c in scores) and any(
        ".csv --" in c or "new_rows.csv" in c for c in scores
    )
    for command in scores:
        args = shlex.split(command.replace("$TABLE_CKPT", table_ckpt).replace("$CKPT", image_ckpt))
        result = lightning_gans(args, work)
        assert result.returncode == 0, result.stderr[-3000:]
        out = Path(args[args.index("--out") + 1])
        with open(out, newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == 5 and all(r["flagged"] in ("0", "1") for r in rows)
        if "to_check" in command:
            assert out.with_suffix(".png").is_file()
