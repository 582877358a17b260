"""Quality benchmark: the PacGAN Table 1 protocol on the 2-D toys and the digits protocol, several seeds.

    python benchmarks/quality.py                 # 3 seeds of every run, writes docs/BENCHMARKS.md (Quality)
    python benchmarks/quality.py --quick         # 1 seed, a tenth of the steps: checks the pipeline only
    python benchmarks/quality.py --seeds 0 1 --only vanilla_gan/ring8 wgan_gp/ring8

Every run trains a default config through the CLI's own code path (``GANCLI(args=[...], run=False)`` then
``trainer.fit``), changing only the seed (and, with ``--quick``, the length). It then scores 2,500 samples with
the same ``Evaluator`` the ``Evaluation`` callback and ``lightning-gans evaluate`` use:

- ring8 / grid25: modes covered, share of high-quality samples (within 3 std of the nearest mode), reverse KL of
  the mode histogram to uniform.
- digits: FID/KID in the shipped digits network's features against the digits train split (1,437 images), next
  to the real baseline (test split vs train split), and the KL of the generated class histogram to uniform.

Results accumulate in ``runs/bench_quality/results_<seeds>.json`` (a finished run is not repeated unless ``--fresh``);
the "Quality" section of ``docs/BENCHMARKS.md`` is rewritten after every run, so a long benchmark leaves a
valid document at any time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOY_RUNS = ["vanilla_gan/ring8", "wgan_gp/ring8", "vanilla_gan/grid25", "wgan_gp/grid25"]
DIGITS_RUNS = ["dcgan/digits", "vanilla_gan/digits", "wgan_gp/digits"]
NUM_SAMPLES = 2500
EVAL_SEED = 1234
START, END = "<!-- quality:start -->", "<!-- quality:end -->"

TARGETS = {
    "ring8": "8/8 modes, hq >= 98%",
    "grid25": "25/25 modes, hq >= 95%, reverse KL <= 0.03",
    "digits": "FID <= 2x real train-vs-test FID, class KL <= 0.05",
}


def train(run: str, seed: int, quick: bool, out: Path):
    """Trains ``configs/<run>.yaml`` with ``seed`` through LightningCLI; returns (model, datamodule, seconds)."""
    from lightning_gans.callbacks.evaluation import Evaluation
    from lightning_gans.cli import GANCLI

    config = ROOT / "configs" / f"{run}.yaml"
    args = [
        "--config",
        str(config),
        f"--seed_everything={seed}",
        f"--trainer.default_root_dir={out}",
        "--trainer.logger=false",
        "--trainer.enable_checkpointing=false",
        "--trainer.enable_progress_bar=false",
        "--trainer.enable_model_summary=false",
        "--trainer.accelerator=cpu",
    ]
    if quick:
        import yaml

        steps = yaml.safe_load(config.read_text())["trainer"]["max_steps"]
        args.append(f"--trainer.max_steps={max(steps // 10, 20)}")
    cli = GANCLI(args=args, run=False)
    # the benchmark scores once at the end with the same Evaluator; periodic evaluation would only cost time
    cli.trainer.callbacks[:] = [c for c in cli.trainer.callbacks if not isinstance(c, Evaluation)]
    start = time.perf_counter()
    cli.trainer.fit(cli.model, datamodule=cli.datamodule)
    return cli.model, cli.datamodule, time.perf_counter() - start, cli.trainer.global_step


def evaluate(model, datamodule) -> tuple[dict[str, float], dict[str, str]]:
    from lightning_gans.metrics.evaluator import Evaluator, data_spec

    evaluator = Evaluator(data_spec(datamodule), num_samples=NUM_SAMPLES, seed=EVAL_SEED)
    return evaluator.evaluate(model), evaluator.protocol()


def real_baseline() -> dict[str, float]:
    from lightning_gans.metrics.evaluator import DataSpec, Evaluator

    return Evaluator(DataSpec("digits", "digits", 32)).real_baseline()


# ------------------------------------------------------------------------------------------------- report
def mean_spread(values: list[float]) -> str:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return "inf"
    mean = statistics.fmean(finite)
    spread = statistics.pstdev(finite) if len(finite) > 1 else 0.0
    digits = 1 if abs(mean) >= 10 else (3 if abs(mean) < 1 else 2)
    text = f"{mean:.{digits}f} ± {spread:.{digits}f}"
    return text + (f" ({len(values) - len(finite)} inf)" if len(finite) < len(values) else "")


def toy_row(run: str, results: list[dict]) -> str:
    hq = [100 * r["metrics"]["hq"] for r in results]
    seconds = statistics.fmean(r["seconds"] for r in results)
    per_seed = ", ".join(f"{r['metrics']['modes']}" for r in results)
    return (
        f"| {run} | {len(results)} | {mean_spread([r['metrics']['modes'] for r in results])} ({per_seed}) "
        f"| {mean_spread(hq)} | {mean_spread([r['metrics']['reverse_kl'] for r in results])} "
        f"| {results[0]['steps']} | {seconds:.0f} |"
    )


def toy_verdict(run: str, results: list[dict]) -> str:
    name = run.split("/")[1]
    k = 8 if name == "ring8" else 25
    ok = []
    for r in results:
        m = r["metrics"]
        good = m["modes"] == k and m["hq"] >= (0.98 if name == "ring8" else 0.95)
        if name == "grid25":
            good = good and m["reverse_kl"] <= 0.03
        ok.append(good)
    return f"{run}: target ({TARGETS[name]}) met by {sum(ok)}/{len(ok)} seeds"


def digits_row(run: str, results: list[dict], baseline_fid: float | None) -> str:
    fids = [r["metrics"]["fid"] for r in results]
    ratio = mean_spread([f / baseline_fid for f in fids]) if baseline_fid else "?"
    seconds = statistics.fmean(r["seconds"] for r in results)
    return (
        f"| {run} | {len(results)} | {mean_spread(fids)} | {ratio} "
        f"| {mean_spread([1000 * r['metrics']['kid'] for r in results])} "
        f"| {mean_spread([r['metrics']['class_kl'] for r in results])} "
        f"| {mean_spread([r['metrics']['classes'] for r in results])} | {results[0]['steps']} | {seconds:.0f} |"
    )


def digits_verdict(run: str, results: list[dict], baseline_fid: float | None) -> str:
    if not baseline_fid:
        return f"{run}: no baseline yet"
    ok = [r["metrics"]["fid"] <= 2 * baseline_fid and r["metrics"]["class_kl"] <= 0.05 for r in results]
    return f"{run}: target ({TARGETS['digits']}) met by {sum(ok)}/{len(ok)} seeds"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs (shared with other jobs while this ran), no GPU; "
        f"torch {torch.__version__}, Python {platform.python_version()}, 1 torch thread"
    )


def report(state: dict, command: str, planned: list[str], seeds: list[int]) -> str:
    results = state["runs"]
    lines = [
        "## Quality",
        "",
        f"Command: `{command}` (results: `runs/bench_quality/results_*.json`).",
        f"Machine: {machine()}.",
        f"Last update: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "Protocol: each default config in `configs/` is trained unchanged except for the seed, through the CLI's "
        "code path (`GANCLI(args=[...], run=False)`, `trainer.fit`); then 2,500 samples (noise seed "
        f"{EVAL_SEED}, eval mode) are scored by `lightning_gans.metrics.Evaluator`, the code behind the "
        "`Evaluation` callback and `lightning-gans evaluate`. Mean ± standard deviation over seeds.",
        "",
        "### 2-D mixtures (PacGAN Table 1 protocol)",
        "",
        "A sample is high quality (hq) if within 3 std of its nearest mode; a mode is covered if at least one hq "
        "sample is nearest to it; reverse KL = KL(mode histogram of hq samples ‖ uniform). "
        "Modes column: mean ± std (per seed).",
        "",
        "| run | seeds | modes | hq % | reverse KL | steps | train s |",
        "|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for run in TOY_RUNS:
        done = [results[f"{run}@{s}"] for s in seeds if f"{run}@{s}" in results]
        if done:
            lines.append(toy_row(run, done))
            verdicts.append(toy_verdict(run, done))
        elif run in planned:
            lines.append(f"| {run} | 0 | not run yet | | | | |")
    baseline = state.get("digits_baseline")
    lines += [
        "",
        "Published figures (same protocol, 2,500 samples): VEEGAN (Srivastava et al., 2017) Table 1 and PacGAN "
        "(Lin et al., 2018) Table 1 report modes / hq (and PacGAN reverse KL) for GAN, ALI, Unrolled GAN, VEEGAN "
        "and PacGAN on the ring and grid; GDPP (Elfeki et al., 2019) Table 1 adds WGAN-GP. They are not in this "
        "table because no copy of them could be read from the machine this ran on (no internet; the authors' "
        "repositories hold the tables only as images: `fjxmlzn/PacGAN` `synthetic_data_experiments/results/"
        "Table1.png`, `akashgit/VEEGAN` `tab.png`), and figures quoted from memory would not be honest. Their "
        "set-ups are not our configs' either: GDPP's script (`M-Elfeki/GDPP`, `gdppgan_Synthetic.py`) trains 25,000 "
        "iterations at batch 512 and places its ring modes with `linspace(0, 2*pi, 8)`, which puts two of the "
        "eight on the same point.",
        "",
        "### Digits (embedded scikit-learn digits, 32x32)",
        "",
        "FID/KID in the shipped digits network's 64-d penultimate features (`lightning_gans/metrics/weights/"
        "digits_cnn.pt`, 99.7% test accuracy) against the digits train split (1,437 images); class KL = "
        "KL(histogram of predicted classes of the samples ‖ uniform); classes = classes with at least 1% of the "
        "samples. KID ×1000.",
        "",
    ]
    if baseline:
        lines.append(
            f"Real baseline, test split (360 images) vs train split: FID {baseline['fid']:.2f}, "
            f"KID×1000 {1000 * baseline['kid']:.2f}, class KL {baseline['class_kl']:.4f}. "
            "(FID is biased upwards at small sample counts; the 360-image baseline and the 2,500-sample "
            "generated sets are not the same size, which favours the generated side slightly.)"
        )
        lines.append("")
    lines += [
        "| run | seeds | FID | FID / real FID | KID×1000 | class KL | classes | steps | train s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in DIGITS_RUNS:
        done = [results[f"{run}@{s}"] for s in seeds if f"{run}@{s}" in results]
        if done:
            lines.append(digits_row(run, done, baseline and baseline["fid"]))
            verdicts.append(digits_verdict(run, done, baseline and baseline["fid"]))
        elif run in planned:
            lines.append(f"| {run} | 0 | not run yet | | | | | | |")
    lines += [
        "",
        "No published digits figures exist for this set (it is this library's embedded default).",
        "",
        "### Targets",
        "",
    ]
    lines += [f"- {v}" for v in verdicts] or ["- no run finished yet"]
    notes = state.get("notes")
    if notes:
        lines += ["", notes]
    return "\n".join(lines) + "\n"


def write_doc(text: str, path: Path) -> None:
    """Replaces the Quality section of ``path`` between its markers, keeping everything else."""
    block = f"{START}\n{text}{END}\n"
    if path.exists():
        old = path.read_text()
        if START in old and END in old:
            head, rest = old.split(START, 1)
            new = head + block + rest.split(END, 1)[1].lstrip("\n")
        else:
            new = old.rstrip("\n") + "\n\n" + block
    else:
        new = "# Benchmarks\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="PacGAN-protocol and digits quality benchmark")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="+", default=None, help="runs like vanilla_gan/ring8 (default: all)")
    parser.add_argument(
        "--quick", action="store_true", help="1 seed, a tenth of the steps; no doc unless --doc"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench_quality")
    parser.add_argument("--doc", type=Path, default=None, help="default: docs/BENCHMARKS.md (full runs only)")
    parser.add_argument("--fresh", action="store_true", help="ignore earlier results in --out")
    parser.add_argument(
        "--report-seeds", type=int, nargs="+", default=None, help="seeds the doc shows (default: --seeds)"
    )
    parser.add_argument(
        "--results-name", default=None, help="results file name in --out (default: results_<seeds>.json)"
    )
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the doc from the results in --out; train nothing"
    )
    parser.add_argument("--note", default="", help="a line added to the doc (e.g. how the run was split)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    # import everything now: edits to the source tree while a long benchmark runs must not leak into it
    import lightning_gans.callbacks.evaluation  # noqa: F401
    import lightning_gans.cli  # noqa: F401
    import lightning_gans.metrics.evaluator  # noqa: F401

    if args.quick:
        args.seeds = args.seeds[:1]
        args.out = args.out.with_name(args.out.name + "_quick")
    doc = args.doc or (None if args.quick else ROOT / "docs" / "BENCHMARKS.md")
    planned = args.only or TOY_RUNS + DIGITS_RUNS
    # one results file per process, so several processes (e.g. one per seed) can share --out
    results_file = args.out / (args.results_name or f"results_{'_'.join(map(str, args.seeds))}.json")
    state = {"runs": {}}
    if results_file.exists() and not args.fresh:
        state = json.loads(results_file.read_text())
    command = "python benchmarks/quality.py " + " ".join(argv if argv is not None else sys.argv[1:])
    report_seeds = args.report_seeds or args.seeds

    def merged() -> dict:
        everything = {"runs": {}, "notes": args.note}
        for path in sorted(args.out.glob("results_*.json")):
            other = json.loads(path.read_text())
            everything["runs"].update(other.get("runs", {}))
            everything.setdefault("digits_baseline", other.get("digits_baseline"))
        return everything

    def save() -> None:
        args.out.mkdir(parents=True, exist_ok=True)
        results_file.write_text(json.dumps(state, indent=1))
        if doc is not None:
            write_doc(report(merged(), command.strip(), planned, report_seeds), doc)

    if args.report_only:
        command = f"python benchmarks/quality.py --seeds {' '.join(map(str, report_seeds))}"
        if doc is not None:
            write_doc(report(merged(), command, planned, report_seeds), doc)
        print(report(merged(), command, planned, report_seeds))
        return
    if any(run in DIGITS_RUNS for run in planned) and "digits_baseline" not in state:
        state["digits_baseline"] = real_baseline()
        print(f"digits real baseline (test vs train): {state['digits_baseline']}", flush=True)
        save()
    for seed in args.seeds:  # seed-major: a cut-short benchmark still has every run at least once
        for run in planned:
            key = f"{run}@{seed}"
            if key in state["runs"]:
                continue
            run_dir = args.out / run.replace("/", "_") / str(seed)
            model, datamodule, seconds, steps = train(run, seed, args.quick, run_dir)
            metrics, protocol = evaluate(model, datamodule)
            state["runs"][key] = {
                "metrics": metrics,
                "seconds": seconds,
                "steps": steps,
                "protocol": protocol,
            }
            print(f"{key}: {metrics} ({seconds:.0f} s, {steps} steps)", flush=True)
            save()
    save()
    print(report(merged(), command.strip(), planned, report_seeds))


if __name__ == "__main__":
    main()
