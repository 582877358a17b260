"""Every registered command starts from a fresh shell: ``--help`` and one real call, each as its own process.

The suite once stayed green while four of eight commands crashed on every call (an import cycle that only a
fresh interpreter hits: the tests had imported the package in another order). So each command here runs as
``python -m lightning_gans ...`` in a new process (a child of ``tests/forkserver.py``, where the package has not
been imported; the demo test and the slow suite's console-script test start whole new interpreters), and a command added to the registry without a real call below
fails ``test_every_command_has_a_real_call``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from lightning_gans.commands import COMMANDS
from tests.forkserver import lightning_gans, server

ROOT = Path(__file__).resolve().parents[2]
TINY_BIGAN = [
    "--model.data_shape=[1,16,16]",
    "--model.latent_dim=8",
    "--model.generator_width=8",
    "--model.encoder_width=8",
    "--model.discriminator_width=8",
    "--model.joint_dim=16",
    "--data.image_size=16",
    "--data.batch_size=16",
]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """``lightning-gans ARGS`` as a fresh process of the fork server (the package imported anew, the third-party
    stack already loaded: see ``tests/forkserver.py``), one torch thread (the tests share 2 cores)."""
    return lightning_gans(args, cwd)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_help_of_every_command_in_a_fresh_process(name, tmp_path):
    result = run([name, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "usage" in result.stdout.lower(), result.stdout[-2000:]


@pytest.fixture(scope="module")
def bigan_run(tmp_path_factory) -> Path:
    """``fit`` as a process: a tiny one-class BiGAN on the 16x16 digits, 2 steps; its last checkpoint."""
    root = tmp_path_factory.mktemp("bigan_run")
    result = run(
        [
            "fit",
            f"--config={ROOT / 'configs/bigan/digits.yaml'}",
            *TINY_BIGAN,
            "--trainer.max_steps=2",
            f"--trainer.default_root_dir={root / 'run'}",
            "--trainer.enable_progress_bar=false",
        ],
        root,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    ckpt = root / "run" / "checkpoints" / "last.ckpt"
    assert ckpt.is_file(), result.stdout[-2000:]
    return ckpt


def image_folder(root: Path) -> Path:
    folder = root / "images"
    folder.mkdir(exist_ok=True)
    for i in range(3):
        Image.new("L", (16, 16), color=40 * i).save(folder / f"{i}.png")
    return folder


def real_call(
    name: str, tmp: Path, bigan: Path, dcgan: str, infogan: str, cyclegan: str = ""
) -> tuple[list[str], Path]:
    """The arguments of one real call of command ``name`` and the file it must write."""
    out = tmp / "out"
    calls = {
        "fit": (None, bigan),  # the bigan_run fixture itself
        "sample": (["sample", "--ckpt", dcgan, "--num", "3", "--out", str(out)], out),
        "interpolate": (
            ["interpolate", "--ckpt", dcgan, "--paths", "2", "--steps", "3", "--out", str(out / "i.png")],
            out / "i.png",
        ),
        "evaluate": (
            [
                "evaluate",
                "--ckpt",
                dcgan,
                "--data",
                "digits",
                "--num_samples",
                "64",
                "--no_baseline",
                "--json",
                str(out / "e.json"),
            ],
            out / "e.json",
        ),
        "test": (
            [
                "test",
                f"--config={ROOT / 'configs/bigan/digits.yaml'}",
                *TINY_BIGAN,
                f"--ckpt_path={bigan}",
                f"--trainer.default_root_dir={tmp / 'test_run'}",
                "--trainer.logger=false",
                "--trainer.enable_progress_bar=false",
            ],
            None,
        ),
        "score": (
            ["score", "--ckpt", str(bigan), "--data", str(image_folder(tmp)), "--out", str(out / "s.csv")],
            out / "s.csv",
        ),
        "encode": (
            ["encode", "--ckpt", str(bigan), "--data", str(image_folder(tmp)), "--out", str(out / "e.csv")],
            out / "e.csv",
        ),
        "cluster": (
            ["cluster", "--ckpt", infogan, "--data", "digits", "--out", str(out / "c.csv")],
            out / "c.csv",
        ),
        "traverse": (
            ["traverse", "--ckpt", infogan, "--steps", "3", "--out", str(out / "t.png")],
            out / "t.png",
        ),
        "translate": (
            ["translate", "--ckpt", cyclegan, "--data", str(image_folder(tmp)), "--out", str(out / "tr")],
            out / "tr",
        ),
    }
    return calls[name]


def test_every_command_has_a_real_call(tmp_path):
    calls = {
        "fit",
        "sample",
        "interpolate",
        "evaluate",
        "test",
        "score",
        "encode",
        "cluster",
        "traverse",
        "translate",
    }
    assert set(COMMANDS) <= calls, f"add a real call for {sorted(set(COMMANDS) - calls)} to real_call()"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_one_real_call_of_every_command_in_a_fresh_process(
    name, tmp_path, bigan_run, dcgan_ckpt, infogan_ckpt, cyclegan_ckpt
):
    args, product = real_call(name, tmp_path, bigan_run, dcgan_ckpt, infogan_ckpt, cyclegan_ckpt)
    if args is not None:
        result = run(args, tmp_path)
        assert result.returncode == 0, result.stderr[-3000:]
        if name == "test":
            assert "test/auroc" in result.stdout, result.stdout[-2000:]
    assert product is None or (product.exists() and (product.is_dir() or product.stat().st_size > 0))


@pytest.mark.parametrize(
    "statement",
    [
        "from lightning_gans.checkpoint import load_gan",  # docs/how-to/train.md
        "import lightning_gans.engine",
        "from lightning_gans import DCGAN, IZIfEncoder",
        "from lightning_gans.tools.score import main",  # the module whose import cycle crashed four commands
    ],
)
def test_public_imports_work_in_a_fresh_interpreter(statement, tmp_path):
    result = server().run(code=statement, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_fork_server_children_import_the_package_fresh(tmp_path):
    """What makes the children stand in for fresh shells: the package is not loaded before the job runs, and an
    import cycle in it fails there (a module that imports itself half-initialised)."""
    result = server().run(code="import sys; print(sorted(m for m in sys.modules if 'lightning_gans' in m))")
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stdout + result.stderr
    cycle = tmp_path / "cyclepkg"
    cycle.mkdir()
    (cycle / "__init__.py").write_text("from cyclepkg.a import A\n")
    (cycle / "a.py").write_text("from cyclepkg.b import B\nA = 1\n")
    (cycle / "b.py").write_text("from cyclepkg.a import A\nB = 2\n")
    broken = server().run(code="import cyclepkg", cwd=tmp_path, pythonpath=[str(tmp_path)])
    assert broken.returncode == 1 and "partially initialized module" in broken.stderr, broken.stderr
