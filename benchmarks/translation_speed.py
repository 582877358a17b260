"""Speed of the translation benchmark's models beside the reference implementation, on the same networks and sizes.

Seconds per training step of the library's ``CycleGAN`` and ``Pix2Pix`` (through ``Trainer.fit``, built by
``benchmarks/translation.py``'s ``build_model``) and of junyanz/pytorch-CycleGAN-and-pix2pix (its ``TrainOptions``,
``create_model``, ``set_input`` and ``optimize_parameters``, in its own environment ``.venv-ref`` and a separate
process: ``benchmarks/translation_speed_ref.py``), for the three tasks of ``benchmarks/translation.py`` at its
default sizes: 32x32 images, batch 16, widths ngf = ndf = 16, CycleGAN with 6 ResNet blocks (the reference's
``resnet_6blocks``), pix2pix with a U-Net of 5 levels, 70x70 PatchGANs (``n_layers`` 3), each library's default
losses for the model (the same: LSGAN, cycle 10, identity 0.5, pools of 50; vanilla GAN + L1 100, no pool).

A step is each library's: one generator update and the discriminator update of the same batch (CycleGAN: both
generators under one optimizer, then both discriminators under one; pix2pix: the reference updates D first, ours G
first). Data loading is left out on both sides: every step trains on one batch of uniform random tensors in
[-1, 1] made once. Ours is timed between consecutive ``on_train_batch_end`` hooks (so Lightning's loop, the
step's logging calls and the learning-rate schedulers are in it; the Trainer has no logger, checkpoints or progress
bar, as in ``translation.py``); the reference around ``set_input`` + ``optimize_parameters`` (its ``train.py``'s
printing, visualizer and per-epoch scheduler step are outside).

Figures: process CPU seconds per step with one torch thread (``--threads``), the median over all timed steps of
all repeats (``--warmup`` steps of each run are not timed); wall seconds beside them (inflated on a shared
machine). The sides alternate within a case, the order swapping every repeat. Each side's networks' parameter
counts are recorded and must match (``same_networks``).

Usage::

    make bench-translation-speed           # docs/bench_translation/speed.json and speed.table.txt
    python benchmarks/translation_speed.py --ref-python .venv-ref/bin/python \\
        --ref-dir .ref/pytorch-CycleGAN-and-pix2pix --ref-commit <its commit>
    python benchmarks/translation_speed.py --tiny --no-ref --out /tmp/speed   # seconds-long check, ours only
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from lightning.pytorch import Callback
from torch.utils.data import DataLoader

sys.path.insert(0, str(Path(__file__).resolve().parent))
import translation  # noqa: E402  (benchmarks/translation.py: its tasks, sizes, models and Trainer)

ROOT = Path(__file__).resolve().parents[1]
REF_WORKER = Path(__file__).resolve().parent / "translation_speed_ref.py"


@dataclass(frozen=True)
class SpeedCase:
    """One model at one size; the reference's worker reads these fields from JSON."""

    name: str  # a task of translation.py
    model: str  # "cyclegan" | "pix2pix"
    channels_a: int
    channels_b: int
    image_size: int
    width: int  # ngf = ndf
    n_blocks: int  # CycleGAN's ResNet blocks
    n_layers: int  # the PatchGANs' stride-2 layers
    batch_size: int


def cases(width: int, n_blocks: int, batch_size: int) -> list[SpeedCase]:
    """translation.py's tasks at these sizes (channels from each task's data module, which loads nothing here)."""
    out = []
    for task, spec in translation.TASKS.items():
        data = translation.task_data(task, batch_size)
        out.append(
            SpeedCase(
                task,
                spec["model"],
                data.channels_a,
                data.channels_b,
                translation.SIZE,
                width,
                n_blocks,
                3,  # CycleGAN's and Pix2Pix's default discriminator_layers, the reference's basic PatchGAN
                batch_size,
            )
        )
    return out


def random_batch(case: SpeedCase) -> dict[str, torch.Tensor]:
    """``{"A": (N, C_a, S, S), "B": (N, C_b, S, S)}``, uniform in [-1, 1] (the reference worker's shapes)."""
    g = torch.Generator().manual_seed(0)
    n, s = case.batch_size, case.image_size
    return {
        "A": torch.rand(n, case.channels_a, s, s, generator=g) * 2 - 1,
        "B": torch.rand(n, case.channels_b, s, s, generator=g) * 2 - 1,
    }


class StepClock(Callback):
    """Process-CPU and wall timestamps at every ``on_train_batch_end``; step ``i``'s time is the difference of
    marks ``i`` and ``i - 1`` (everything Lightning does for batch ``i``, fetching it included)."""

    def __init__(self) -> None:
        self.marks: list[tuple[float, float]] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.marks.append((time.process_time(), time.perf_counter()))

    def steps(self, warmup: int) -> tuple[list[float], list[float]]:
        """(CPU seconds, wall seconds) of the steps after the first ``warmup`` (``warmup`` >= 1)."""
        cpu = [b[0] - a[0] for a, b in zip(self.marks, self.marks[1:], strict=False)]
        wall = [b[1] - a[1] for a, b in zip(self.marks, self.marks[1:], strict=False)]
        return cpu[warmup - 1 :], wall[warmup - 1 :]


def our_parameters(model) -> dict[str, int]:
    """Parameters per network under the reference's names: its ``G_A`` maps A -> B and its ``D_A`` judges B."""

    def count(net) -> int:
        return sum(p.numel() for p in net.parameters())

    if hasattr(model, "generator_ab"):
        return {
            "G_A": count(model.generator_ab),
            "G_B": count(model.generator_ba),
            "D_A": count(model.discriminator_b),
            "D_B": count(model.discriminator_a),
        }
    return {"G": count(model.generator), "D": count(model.discriminator)}


def run_ours(case: SpeedCase, warmup: int, steps: int) -> dict:
    """``{"cpu_s": [...], "wall_s": [...], "parameters": {...}, "torch": ...}`` of ``steps`` timed steps."""
    torch.manual_seed(0)
    total = warmup + steps
    model = translation.build_model(
        case.name, case.channels_a, case.channels_b, total, case.width, case.n_blocks
    )
    batch = random_batch(case)
    # one made-up batch, handed over as is (batch_size=None): no data loading to time
    loader = DataLoader([batch] * total, batch_size=None)
    clock = StepClock()
    with tempfile.TemporaryDirectory() as root:
        translation.trainer(total, Path(root), callbacks=[clock]).fit(model, train_dataloaders=loader)
    cpu, wall = clock.steps(warmup)
    return {"cpu_s": cpu, "wall_s": wall, "parameters": our_parameters(model), "torch": torch.__version__}


def run_ref(case: SpeedCase, warmup: int, steps: int, args) -> dict:
    """The reference worker in ``args.ref_python`` (a separate process, one thread)."""
    command = [str(args.ref_python), str(REF_WORKER), "--ref-dir", str(args.ref_dir)]
    command += ["--case", json.dumps(dataclasses.asdict(case))]
    command += ["--warmup", str(warmup), "--steps", str(steps), "--threads", str(args.threads)]
    env = os.environ | {"OMP_NUM_THREADS": str(args.threads)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        raise RuntimeError(f"the reference worker failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ref_commit(args) -> str | None:
    """The reference's commit: its checkout's HEAD when ``--ref-dir`` is a git checkout (and then it must be
    ``--ref-commit`` when that is given), else ``--ref-commit``."""
    head = subprocess.run(
        ["git", "-C", str(args.ref_dir), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    inside = subprocess.run(
        ["git", "-C", str(args.ref_dir), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    # a tree without its own .git (an exported archive) resolves to the enclosing repository: not its commit
    own = head.returncode == 0 and Path(inside.stdout.strip()).resolve() == Path(args.ref_dir).resolve()
    if own:
        found = head.stdout.strip()
        if args.ref_commit and not found.startswith(args.ref_commit):
            raise SystemExit(f"{args.ref_dir} is at {found}, not --ref-commit {args.ref_commit}.")
        return found
    return args.ref_commit


def summarise(runs: list[dict]) -> dict:
    """Medians over every timed step of every repeat, and each repeat's own median CPU figure."""
    cpu = [t for run in runs for t in run["cpu_s"]]
    wall = [t for run in runs for t in run["wall_s"]]
    return {
        "cpu_s_per_step": statistics.median(cpu),
        "wall_s_per_step": statistics.median(wall),
        "cpu_s_per_step_by_repeat": [statistics.median(run["cpu_s"]) for run in runs],
        "timed_steps": len(cpu),
        "parameters": runs[0]["parameters"],
        "torch": runs[0]["torch"],
        "cpu_s": cpu,
        "wall_s": wall,
    }


def table(report: dict) -> str:
    """The markdown table of ``report`` (``speed.table.txt``)."""
    lines = [
        "| task (model) | ours CPU s / step | reference CPU s / step | ours / reference | "
        "ours wall s / step | reference wall s / step | parameters (G + D, each side) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, case in report["cases"].items():
        ours, ref = case["ours"], case.get("reference")
        params = sum(ours["parameters"].values())
        ratio = f"{ours['cpu_s_per_step'] / ref['cpu_s_per_step']:.2f}" if ref else "-"
        lines.append(
            f"| {name} ({case['case']['model']}) | {ours['cpu_s_per_step']:.3f} | "
            + (f"{ref['cpu_s_per_step']:.3f}" if ref else "-")
            + f" | {ratio} | {ours['wall_s_per_step']:.3f} | "
            + (f"{ref['wall_s_per_step']:.3f}" if ref else "-")
            + f" | {params:,}"
            + ("" if not ref or case["same_networks"] else " (differ!)")
            + " |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--width", type=int, default=16, help="ngf = ndf (translation.py's default 16)")
    p.add_argument("--n-blocks", type=int, default=6, help="CycleGAN ResNet blocks (translation.py's 6)")
    p.add_argument("--batch-size", type=int, default=16, help="translation.py's 16")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps at the start of every run (>= 1)")
    p.add_argument("--steps", type=int, default=20, help="timed steps per run")
    p.add_argument("--repeats", type=int, default=3, help="runs per side and case, the sides alternating")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--ref-python", type=Path, default=ROOT / ".venv-ref" / "bin" / "python")
    p.add_argument("--ref-dir", type=Path, default=ROOT / ".ref" / "pytorch-CycleGAN-and-pix2pix")
    p.add_argument(
        "--ref-commit", default=None, help="the reference's commit (recorded; checked on a checkout)"
    )
    p.add_argument("--no-ref", action="store_true", help="time ours only (no reference environment needed)")
    p.add_argument(
        "--tiny",
        action="store_true",
        help="a seconds-long check: width 4, batch 2, 1 + 2 steps, 1 block (6 with the reference)",
    )
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "bench_translation")
    args = p.parse_args(argv)
    if args.tiny:
        args.width, args.batch_size, args.warmup, args.steps, args.repeats = 4, 2, 1, 2, 1
        args.n_blocks = 1 if args.no_ref else 6
    if args.warmup < 1:
        p.error("--warmup must be >= 1 (a step is timed from the end of the one before)")
    if not args.no_ref and args.n_blocks not in (6, 9):
        p.error("the reference's generators are resnet_6blocks and resnet_9blocks: --n-blocks 6 or 9")
    torch.set_num_threads(args.threads)
    commit = None if args.no_ref else ref_commit(args)
    report: dict = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{args.threads} torch thread(s)",
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "reference": None
        if args.no_ref
        else {"repository": "junyanz/pytorch-CycleGAN-and-pix2pix", "commit": commit},
        "cases": {},
    }
    for case in cases(args.width, args.n_blocks, args.batch_size):
        runs: dict[str, list[dict]] = {"ours": [], "reference": []}
        for repeat in range(args.repeats):
            sides = ["ours"] if args.no_ref else ["ours", "reference"][:: 1 if repeat % 2 == 0 else -1]
            for side in sides:
                if side == "ours":
                    run = run_ours(case, args.warmup, args.steps)
                else:
                    run = run_ref(case, args.warmup, args.steps, args)
                runs[side].append(run)
                print(
                    f"{case.name} {side} repeat {repeat}: {statistics.median(run['cpu_s']):.4f} CPU s / step"
                )
        entry = {"case": dataclasses.asdict(case), "ours": summarise(runs["ours"])}
        if runs["reference"]:
            entry["reference"] = summarise(runs["reference"])
            entry["same_networks"] = entry["ours"]["parameters"] == entry["reference"]["parameters"]
            entry["ours_over_reference"] = (
                entry["ours"]["cpu_s_per_step"] / entry["reference"]["cpu_s_per_step"]
            )
        report["cases"][case.name] = entry
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "speed.json").write_text(json.dumps(report, indent=1) + "\n")
    (args.out / "speed.table.txt").write_text(table(report))
    print(table(report))
    return report


if __name__ == "__main__":
    main()
