"""The README's and getting-started's commands run as written in a copy of the clone, and leave it clean.

Every ``lightning-gans`` line of their bash blocks runs, in order, in one shell (so ``CKPT=...`` lines carry
over), with training cut to 2 generator steps and ``--num 10000`` cut to 16; the ``make`` lines are left out (they
are ``make demo`` / ``make test`` themselves). The inputs a user brings (``to_check/``, ``rows.csv``,
``new_rows.csv``) are made first and committed in the copy; afterwards ``git status`` must show nothing: the
examples write only to ignored folders (``runs/``, ``out/``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).parents[2]
PAGES = [ROOT / "README.md", ROOT / "docs" / "getting-started.md"]


def documented_commands(page: Path) -> list[str]:
    """The shell lines of a page's bash blocks that run lightning-gans or set a variable, comments removed."""
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", page.read_text(), re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line.startswith(".venv/bin/lightning-gans") or re.match(r"^[A-Z_]+=\S+$", line):
                lines.append(line)
    return lines


def shortened(line: str) -> str:
    if " fit " in f" {line} " and "--trainer.max_steps" not in line:
        line += " --trainer.max_steps 2"
    line = re.sub(r"--trainer\.max_steps \d+", "--trainer.max_steps 2", line)
    return line.replace("--num 10000", "--num 16")


def copy_of_the_clone(tmp_path: Path) -> Path:
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    copy = tmp_path / "clone"
    for name in files:
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    (copy / ".venv").symlink_to(Path(sys.executable).parents[1])
    # what a user brings: a folder of images to check and two small tables of 3 columns
    rng = np.random.default_rng(0)
    (copy / "to_check").mkdir()
    for i in range(4):
        Image.fromarray(rng.integers(0, 255, size=(32, 32), dtype=np.uint8)).save(
            copy / "to_check" / f"{i}.png"
        )
    for name in ("rows.csv", "new_rows.csv"):
        np.savetxt(copy / name, rng.normal(size=(256, 3)), delimiter=",", header="a,b,c", comments="")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    subprocess.run(["git", "add", "-A"], cwd=copy, check=True)
    subprocess.run([*git, "commit", "-qm", "clone"], cwd=copy, check=True)
    return copy


@pytest.mark.docs_run  # about 10 minutes (eight fits and every tool, each its own process): `make test-docs-run`
def test_readme_and_getting_started_commands_run_and_leave_the_clone_clean(tmp_path):
    lines = [shortened(line) for page in PAGES for line in documented_commands(page)]
    assert sum(" fit " in line for line in lines) >= 5 and any(" score " in line for line in lines)
    copy = copy_of_the_clone(tmp_path)
    script = "set -e\n" + "\n".join(f"echo '+ {line}' >&2\n{line}" for line in lines) + "\n"
    env = dict(os.environ, WANDB_MODE="offline", WANDB_DIR=str(tmp_path / "wandb"), OMP_NUM_THREADS="1")
    run = subprocess.run(
        ["bash", "-c", script], cwd=copy, env=env, capture_output=True, text=True, timeout=1200
    )
    assert run.returncode == 0, run.stderr[-4000:]
    status = subprocess.run(["git", "status", "--porcelain"], cwd=copy, capture_output=True, text=True).stdout
    assert status == "", f"the documented commands changed the clone:\n{status}"
    assert (copy / "out" / "sample_grid.png").exists() and (copy / "out" / "scores.csv").exists()
