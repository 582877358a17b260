"""The README's generation commands run as written (on a tiny checkpoint), and the pictures they name exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from PIL import Image

from lightning_gans.cli import main

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text()
COMMANDS = re.findall(r"^\.venv/bin/lightning-gans ((?:sample|interpolate) .*?)(?:\s+#.*)?$", README, re.M)


def test_readme_names_generation_commands_and_their_pictures():
    assert any(c.startswith("sample") and "--grid" in c for c in COMMANDS)
    assert any(c.startswith("interpolate") for c in COMMANDS)
    outputs = [re.search(r"--out (\S+)", c).group(1) for c in COMMANDS]
    pictures = [out for out in outputs if out.endswith(".png")]
    assert len(pictures) >= 3
    for out in outputs:  # running the README must not write into the clone's tracked files
        assert out.startswith("out/"), f"{out}: README examples write under out/ (ignored by git)"
    for out in pictures:  # the picture shown is the command's output, copied into docs/images/
        shown = "docs/images/" + out.removeprefix("out/")
        assert f"]({shown})" in README, f"{out} is made by a README command but not shown"
        assert Image.open(ROOT / shown).size[0] > 100
    assert "](docs/images/interpolation.gif)" in README and (ROOT / "docs/images/interpolation.gif").exists()


def test_readme_commands_run(dcgan_ckpt, conditional_ckpt, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the commands' relative --out paths land here
    assert any("$COND_CKPT" in c and "--class" in c for c in COMMANDS)
    assert any("$COND_CKPT" in c and "--balance" in c for c in COMMANDS)
    for command in COMMANDS:
        command = command.replace("$COND_CKPT", conditional_ckpt).replace("$CKPT", dcgan_ckpt)
        args = shlex.split(command.replace("--num 10000", "--num 3"))
        main(args)
        out = Path(args[args.index("--out") + 1])
        assert out.exists(), command
