"""`lightning-gans --help` lists every subcommand with one line, without importing torch or Lightning; the tools'
`--help` too; Lightning's validate/predict are not offered (test is, for the anomaly detectors)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lightning_gans.commands import COMMANDS, main

# The word after `lightning-gans` a user types: each must be listed by --help (later issues add theirs).
EXPECTED = ["fit", "sample", "interpolate", "evaluate"]

NO_HEAVY_IMPORTS = """
import sys
from lightning_gans.commands import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted(m for m in ("torch", "lightning", "torchvision", "torchmetrics") if m in sys.modules)
print("HEAVY", heavy)
"""


def test_help_lists_every_subcommand_with_one_line(capsys):
    main(["--help"])
    out = capsys.readouterr().out
    assert list(COMMANDS)[: len(EXPECTED)] == EXPECTED
    for name, command in COMMANDS.items():
        lines = [line for line in out.splitlines() if line.split()[:1] == [name]]
        assert len(lines) == 1 and command.summary in lines[0], (name, out)
    for gone in ("validate", "predict"):
        assert gone not in out.split()


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["sample", "--help"],
        ["interpolate", "--help"],
        ["evaluate", "-h"],
        ["score", "-h"],
        ["cluster", "-h"],
        ["traverse", "-h"],
    ],
)
def test_help_does_not_import_torch(args):
    """What makes --help fast (0.05 s of CPU instead of 13-18 s here, see docs/BENCHMARKS.md)."""
    run = subprocess.run(
        [sys.executable, "-c", NO_HEAVY_IMPORTS, *args], capture_output=True, text=True, timeout=120
    )
    assert "usage: lightning-gans" in run.stdout, run.stdout + run.stderr
    assert "HEAVY []" in run.stdout, run.stdout


@pytest.mark.parametrize("word", ["validate", "predict", "fitt"])
def test_unknown_and_removed_subcommands_are_refused(word, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([word])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"unknown command {word!r}" in err
    assert len(err.strip().splitlines()) == 1 and "usage:" not in err  # one line, not the whole help first
    if word == "fitt":
        assert "did you mean `fit`?" in err


def test_lightningcli_offers_fit_and_test_only():
    from lightning_gans.cli import GANCLI

    assert set(GANCLI.subcommands()) == {"fit", "test"}  # test: the anomaly detectors' metrics


def test_no_command_prints_help_and_fails(capsys):
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2 and "commands:" in capsys.readouterr().out


def test_a_bad_tool_option_is_refused_before_loading_the_tool(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["interpolate", "--ckpt", "x.ckpt", "--method", "cubic"])
    assert exit_.value.code == 2 and "invalid choice: 'cubic'" in capsys.readouterr().err
