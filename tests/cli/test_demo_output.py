"""`make demo`'s command, shortened, prints what matters and none of the third-party noise: what is trained, one
progress bar for the run that reaches max_steps, where the samples went, the final metrics with their protocol."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
MAX_STEPS = 30
NOISE = [
    "isinstance(treespec, LeafSpec)",  # Lightning's pytree deprecation
    "litlogger",  # Lightning's "💡 Tip: ..." advert
    "Tip:",
    "module(s) in eval mode",  # the EMA copy
    "smaller than the logging interval",  # 22 digits batches an epoch < log_every_n_steps
    "Kernel Inception Distance",  # torchmetrics' KID memory note
    "Epoch ",  # Lightning's per-epoch bars
    "Skipping val loop",  # the data modules offer a validation split that generators do not use
    "FLOPs",  # Lightning's FLOPs column, all zeros without an example input
    "Total Flops",
    "Skipping setting a default `ModelSummary`",  # the CLI's own summary callback
]


def demo_command() -> list[str]:
    """The Makefile's `demo` recipe, with the venv's Python and without $(DEMO_ARGS)."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^demo:.*\n\t(.+)$", makefile, re.M).group(1)
    words = shlex.split(recipe.replace("$(DEMO_ARGS)", ""))
    assert words[0] == "$(PY)", recipe
    return [sys.executable, *words[1:]]


def shortened_config(tmp_path: Path) -> Path:
    """The demo's config with 30 steps and every cadence small enough to run within them."""
    config = yaml.safe_load((ROOT / "configs/dcgan/digits.yaml").read_text())
    trainer = config["trainer"]
    trainer.update(max_steps=MAX_STEPS, log_every_n_steps=10, default_root_dir=str(tmp_path / "run"))
    for callback in trainer["callbacks"]:
        args = callback.setdefault("init_args", {})
        if callback["class_path"].endswith("ModelCheckpoint"):
            args.update(dirpath=str(tmp_path / "run/checkpoints"), every_n_train_steps=10)
        elif callback["class_path"].endswith("SampleGrid"):
            args.update(every_n_steps=10)
        elif callback["class_path"].endswith("Evaluation"):
            args.update(every_n_steps=10, num_samples=500)
    path = tmp_path / "short.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def run_demo(tmp_path: Path, override: Path) -> str:
    """The demo's command with ``override`` as a second config, in ``tmp_path``; its stdout and stderr."""
    command = demo_command()
    config = command.index("--config") + 1
    command[config] = str(ROOT / command[config])
    command += ["--config", str(override)]
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="")
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    return output


def test_demo_prints_one_bar_and_no_noise(tmp_path):
    output = run_demo(tmp_path, shortened_config(tmp_path))

    for noise in NOISE:
        assert noise not in output, f"{noise!r} printed:\n{output[-3000:]}"

    lines = output.replace("\r", "\n").split("\n")
    bars = re.findall(r"^DCGAN: .*?(\d+)/(\d+) \[", "\n".join(lines), re.M)
    assert bars, output[-3000:]
    assert {int(total) for _, total in bars} == {MAX_STEPS}
    steps = [int(n) for n, _ in bars]
    assert steps == sorted(steps) and steps[-1] == MAX_STEPS  # one bar, never restarted, reaches max_steps
    assert any(
        line.startswith("DCGAN: ") and "fid=" in line for line in lines
    )  # the last evaluation's metrics

    assert "Sample grid: " in output and (tmp_path / "run").exists()
    assert "Trainable params" in output  # the model summary is still there, without the column of zeros
    assert re.search(r"^Checkpoint: \S+last\.ckpt$", output, re.M), output[-2000:]  # where it went
    assert f"Final metrics at step {MAX_STEPS}: fid=" in output and "protocol: " in output


@pytest.mark.slow  # a second full demo process (about 1 minute on 2 cores)
def test_a_users_mistakes_still_warn(tmp_path):
    """The filters are narrow: in the same command, two real mistakes in a config still warn. fp16 AMP on a CPU
    (Lightning's warning), and a run shorter than the logging interval, so the loggers would get nothing (the
    library's warning, which replaces Lightning's per-epoch one)."""
    config = yaml.safe_load(shortened_config(tmp_path).read_text())
    config["trainer"].update(max_steps=5, log_every_n_steps=50, precision="16-mixed", callbacks=[])
    config["trainer"]["enable_checkpointing"] = False
    (tmp_path / "mistakes.yaml").write_text(yaml.safe_dump(config))
    output = run_demo(tmp_path, tmp_path / "mistakes.yaml")
    assert "AMP with fp16 is not supported on CPU" in output
    assert "fewer than Trainer(log_every_n_steps=50)" in output
