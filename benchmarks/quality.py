"""Quality benchmark: the PacGAN Table 1 protocol on the 2-D toys and the digits protocol, several seeds.

    python benchmarks/quality.py                 # 3 seeds of every run, writes docs/BENCHMARKS.md (Quality)
    python benchmarks/quality.py --quick         # 1 seed, a tenth of the steps: checks the pipeline only
    python benchmarks/quality.py --seeds 0 1 --only vanilla_gan/ring8 wgan_gp/ring8
    python benchmarks/quality.py --seeds 0 --only pacgan/digits8_wide --rejection drs   # also a DRS row

Every run trains a default config through the CLI's own code path (``GANCLI(args=[...], run=False)`` then
``trainer.fit``), changing only the seed (and, with ``--quick``, the length). It then scores 2,500 samples with
the same ``Evaluator`` the ``Evaluation`` callback and ``lightning-gans evaluate`` use:

- ring8 / grid25: modes covered, share of high-quality samples (within 3 std of the nearest mode), reverse KL of
  the mode histogram to uniform.
- digits: FID/KID in the shipped digits network's features against the digits train split (1,437 images), next
  to the real baseline (test split vs train split), and the KL of the generated class histogram to uniform.

With ``--rejection drs|mh`` every GAN run is also scored through that sampler (``lightning_gans.sampling``, with
``lightning-gans evaluate --rejection``'s defaults and held-out data: the digits test split, fresh toy draws); its
row is ``<run>+drs``.

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

from benchmarks import classical  # noqa: E402

TOY_GAN_RUNS = [
    *("vanilla_gan/ring8", "wgan_gp/ring8", "pacgan/ring8", "pacgan/ring8_pack4"),
    *("vanilla_gan/grid25", "wgan_gp/grid25", "pacgan/grid25", "pacgan/grid25_pack4"),
]
TOY_CLASSICAL_RUNS = [
    *("gmm4/ring8", "gmm8/ring8", "gmm16/ring8", "kde/ring8"),
    *("gmm10/grid25", "gmm25/grid25", "gmm50/grid25", "kde/grid25"),
]
TOY_RUNS = TOY_GAN_RUNS + TOY_CLASSICAL_RUNS
DIGITS_GAN_RUNS = [
    "dcgan/digits",
    "vanilla_gan/digits",
    "wgan_gp/digits",
    "wgan_gp/digits8",
    "pacgan/digits8",
    "pacgan/digits8_wide",
    "dcgan/digits8",
]
DIGITS_CLASSICAL_RUNS = ["gmm10/digits", "gmm20/digits", "gmm40/digits", "kde/digits", "kde0.05/digits"]
DIGITS_RUNS = DIGITS_GAN_RUNS + DIGITS_CLASSICAL_RUNS
PUBLISHED_TOYS = [  # ../shared/reference/published.md: PacGAN (Lin et al., NeurIPS 2018) Table 1, 10 trials
    ("GAN", "6.3 ± 0.5", "98.2 ± 0.2", "0.45 ± 0.09", "17.3 ± 0.8", "94.8 ± 0.7", "0.70 ± 0.07"),
    ("ALI", "6.6 ± 0.3", "97.6 ± 0.4", "0.36 ± 0.04", "24.1 ± 0.4", "95.7 ± 0.6", "0.14 ± 0.03"),
    ("PacGAN2", "7.9 ± 0.1", "95.6 ± 2.0", "0.07 ± 0.03", "23.8 ± 0.7", "91.3 ± 0.8", "0.13 ± 0.04"),
    ("PacGAN3", "7.8 ± 0.1", "97.7 ± 0.3", "0.10 ± 0.02", "24.6 ± 0.4", "94.2 ± 0.4", "0.06 ± 0.02"),
    ("PacGAN4", "7.8 ± 0.1", "95.9 ± 1.4", "0.07 ± 0.02", "24.8 ± 0.2", "93.6 ± 0.6", "0.04 ± 0.01"),
]
NUM_SAMPLES = 2500
EVAL_SEED = 1234
REJECTION_METHODS = ("drs", "mh")
START, END = "<!-- quality:start -->", "<!-- quality:end -->"

TARGETS = {  # issue 13: best config per data set, means over seeds
    "ring8": "8/8 modes, hq >= 98%, reverse KL <= 0.05",
    "grid25": "25/25 modes, hq >= 95%, reverse KL <= 0.03",
    "digits": "FID <= the best Gaussian mixture's FID in the same run, memorization ratio >= 0.9",
}
TOY_BARS = {"ring8": (8, 0.98, 0.05), "grid25": (25, 0.95, 0.03)}  # modes, hq, reverse KL


def train(run: str, seed: int, quick: bool, out: Path, max_steps: int | None = None):
    """Trains ``configs/<run>.yaml`` with ``seed`` through LightningCLI (or fits a classical ``<method>/<data>``
    model, ``benchmarks/classical.py``); returns (model, datamodule, seconds, steps). ``max_steps`` replaces the
    config's length (``--quick``: a tenth of it)."""
    if classical.is_classical(run):
        from lightning_gans import DigitsDataModule, Toy2DDataModule

        model, seconds = classical.fit(run, seed)
        data = run.split("/")[1]
        datamodule = DigitsDataModule(image_size=32) if data == "digits" else Toy2DDataModule(data)
        return model, datamodule, seconds, 0
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
    elif max_steps is not None:
        args.append(f"--trainer.max_steps={max_steps}")
    cli = GANCLI(args=args, run=False)
    # the benchmark scores once at the end with the same Evaluator; periodic evaluation would only cost time
    cli.trainer.callbacks[:] = [c for c in cli.trainer.callbacks if not isinstance(c, Evaluation)]
    start = time.perf_counter()
    cli.trainer.fit(cli.model, datamodule=cli.datamodule)
    if cli.model.preempted or cli.trainer.global_step < cli.trainer.max_steps:
        # a SIGTERM (a batch system's time limit, `timeout`) stops training cleanly: never score such a run
        raise RuntimeError(
            f"{run} seed {seed} stopped at generator step {cli.trainer.global_step} of {cli.trainer.max_steps}; "
            "not recorded"
        )
    return cli.model, cli.datamodule, time.perf_counter() - start, cli.trainer.global_step


def evaluate(model, datamodule) -> tuple[dict[str, float], dict[str, str]]:
    from lightning_gans.metrics.evaluator import Evaluator, data_spec

    evaluator = Evaluator(data_spec(datamodule), num_samples=NUM_SAMPLES, seed=EVAL_SEED)
    return evaluator.evaluate(model), evaluator.protocol()


def evaluate_rejection(model, datamodule, method: str) -> dict:
    """A result record for ``model`` sampled through ``method`` (``drs``/``mh``), calibrated on the data's
    held-out split (``lightning_gans.tools.held_out``) with the tools' defaults and seeding; a refusal (a
    discriminator that cannot be calibrated) is recorded as ``{"refused": message}``."""
    from lightning_gans.errors import ConfigError
    from lightning_gans.tools.held_out import from_datamodule, seeded_sampler

    real, labels, description = from_datamodule(datamodule, 2000)  # evaluate's --calibration_num default
    start = time.perf_counter()
    try:
        sampler = seeded_sampler(model, real, labels, seed=EVAL_SEED, method=method)
    except ConfigError as refusal:
        return {"refused": str(refusal), "seconds": time.perf_counter() - start}
    metrics, protocol = evaluate(sampler, datamodule)
    return {
        "metrics": metrics,
        "acceptance_rate": sampler.acceptance_rate,
        "protocol": {**protocol, "held-out data": description, "calibration": sampler.calibration.describe()},
        "sampling_seconds": time.perf_counter() - start,
    }


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
    steps = results[0]["steps"] or "fit"
    return (
        f"| {run} | {len(results)} | {mean_spread([r['metrics']['modes'] for r in results])} ({per_seed}) "
        f"| {mean_spread(hq)} | {mean_spread([r['metrics']['reverse_kl'] for r in results])} "
        f"| {mean_spread([r['metrics']['precision'] for r in results])} "
        f"| {mean_spread([r['metrics']['recall'] for r in results])} | {steps} | {seconds:.0f} |"
    )


def mean_metric(results: list[dict], name: str) -> float:
    return statistics.fmean(r["metrics"][name] for r in results)


def toy_verdict(data: str, done: dict[str, list[dict]]) -> str:
    """The target on ``data`` (ring8/grid25) for the best GAN config by means over seeds, with its distance."""
    modes, hq, kl = TOY_BARS[data]
    gans = {
        run: rs for run, rs in done.items() if not classical.is_classical(run) and run.endswith(f"/{data}")
    }
    gans |= {run: rs for run, rs in done.items() if run.startswith("pacgan/" + data)}
    if not gans:
        return f"{data}: no GAN run yet"

    def shortfall(rs: list[dict]) -> float:  # how far the means are from the bars (0 = met), for ranking
        return (
            max(0, modes - mean_metric(rs, "modes")) / modes
            + max(0, hq - mean_metric(rs, "hq"))
            + max(0, mean_metric(rs, "reverse_kl") - kl)
        )

    best = min(gans, key=lambda run: shortfall(gans[run]))
    rs = gans[best]
    met = shortfall(rs) == 0
    return (
        f"{data}: target ({TARGETS[data]}) **{'met' if met else 'missed'}** by the best GAN config, {best} "
        f"({len(rs)} seeds): {mean_metric(rs, 'modes'):.2f} modes, hq {100 * mean_metric(rs, 'hq'):.1f}%, "
        f"reverse KL {mean_metric(rs, 'reverse_kl'):.3f}"
    )


def digits_row(run: str, results: list[dict], baseline_fid: float | None) -> str:
    fids = [r["metrics"]["fid"] for r in results]
    ratio = mean_spread([f / baseline_fid for f in fids]) if baseline_fid else "?"
    seconds = statistics.fmean(r["seconds"] for r in results)
    cells = [
        mean_spread([r["metrics"][name] for r in results])
        for name in ("precision", "recall", "memorization", "class_kl")
    ]
    return (
        f"| {run} | {len(results)} | {mean_spread(fids)} | {ratio} "
        f"| {mean_spread([1000 * r['metrics']['kid'] for r in results])} | {' | '.join(cells)} "
        f"| {mean_spread([r['metrics']['classes'] for r in results])} | {results[0]['steps'] or 'fit'} "
        f"| {seconds:.0f} |"
    )


def digits_verdict(done: dict[str, list[dict]]) -> str:
    """The digits target: the best GAN config (lowest mean FID among those with a memorization ratio >= 0.9)
    against the best Gaussian mixture of the same run."""
    gmms = {run: rs for run, rs in done.items() if run.startswith("gmm")}
    gans = {run: rs for run, rs in done.items() if not classical.is_classical(run)}
    if not gmms or not gans:
        return "digits: not every part has run yet"
    best_gmm = min(gmms, key=lambda run: mean_metric(gmms[run], "fid"))
    honest = {run: rs for run, rs in gans.items() if mean_metric(rs, "memorization") >= 0.9} or gans
    best = min(honest, key=lambda run: mean_metric(honest[run], "fid"))
    fid, bar = mean_metric(gans[best], "fid"), mean_metric(gmms[best_gmm], "fid")
    memo = mean_metric(gans[best], "memorization")
    met = fid <= bar and memo >= 0.9
    return (
        f"digits: target ({TARGETS['digits']}) **{'met' if met else 'missed'}**: best GAN config {best} FID "
        f"{fid:.2f} (memorization {memo:.2f}) vs {best_gmm} {bar:.2f} (memorization "
        f"{mean_metric(gmms[best_gmm], 'memorization'):.2f}): {fid / bar:.1f}x"
    )


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


def report(
    state: dict, command: str, planned: list[str], seeds: list[int], machine_line: str | None = None
) -> str:
    results = state["runs"]

    def done_runs(runs: list[str]) -> dict[str, list[dict]]:  # a refused sampler's record has no metrics
        done = {
            run: [results[f"{run}@{s}"] for s in seeds if "metrics" in results.get(f"{run}@{s}", {})]
            for run in runs
        }
        return {run: rs for run, rs in done.items() if rs}

    lines = [
        "## Quality",
        "",
        f"Command: `{command}` (results: `{state.get('results_dir', 'runs/bench_quality')}/results_*.json`).",
        f"Machine: {machine_line or machine()}.",
        f"Last update: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "Protocol: each default config in `configs/` is trained unchanged except for the seed, through the CLI's "
        "code path (`GANCLI(args=[...], run=False)`, `trainer.fit`); then 2,500 samples (noise seed "
        f"{EVAL_SEED}, eval mode) are scored by `lightning_gans.metrics.Evaluator`, the code behind the "
        "`Evaluation` callback and `lightning-gans evaluate`. Classical baselines (`<method>/<data>`: "
        "scikit-learn `GaussianMixture` with K full-covariance components, `KernelDensity` with the bandwidth "
        "of the best 5-fold held-out likelihood, or a fixed bandwidth) are fitted on the same data and scored by "
        "the same `Evaluator` in the same run (`benchmarks/classical.py`). Mean ± standard deviation over seeds.",
        "",
        "### 2-D mixtures (PacGAN Table 1 protocol)",
        "",
        "A sample is high quality (hq) if within 3 std of its nearest mode; a mode is covered if at least one hq "
        "sample is nearest to it; reverse KL = KL(mode histogram of hq samples ‖ uniform); precision / recall "
        "(k = 3) against 2,500 fresh draws of the mixture. Modes column: mean ± std (per seed).",
        "",
        "| run | seeds | modes | hq % | reverse KL | precision | recall | steps | train s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    toys = done_runs([run for run in TOY_RUNS if run in planned])
    lines += [toy_row(run, rs) for run, rs in toys.items()]
    lines += [
        f"| {run} | 0 | not run yet | | | | | | |" for run in TOY_RUNS if run in planned and run not in toys
    ]
    verdicts = [toy_verdict(data, toys) for data in ("ring8", "grid25") if any(data in run for run in toys)]
    lines += [
        "",
        "Published (`../shared/reference/published.md`): PacGAN (Lin et al., NeurIPS 2018) Table 1, read from the "
        "authors' repository `fjxmlzn/PacGAN`; mean ± standard error over 10 trials, 2,500 samples, the same "
        "protocol; their set-up is `configs/pacgan/*.yaml`'s, trained 400 epochs over 100,000 samples "
        "(400,000 generator steps at batch 100).",
        "",
        "| published | ring modes | ring hq % | ring reverse KL | grid modes | grid hq % | grid reverse KL |",
        "|---|---|---|---|---|---|---|",
        *[f"| {' | '.join(row)} |" for row in PUBLISHED_TOYS],
        "",
        "### Digits (embedded scikit-learn digits, 32x32)",
        "",
        "FID/KID in the shipped digits network's 64-d penultimate features (`lightning_gans/metrics/weights/"
        "digits_cnn.pt`, 99.7% test accuracy) against the digits train split (1,437 images); precision / recall "
        "(k = 3) in the same features; memorization = median distance of a sample to its nearest training image "
        "over the same for the test split's images (below 1: closer to the training images than new real digits "
        "are); class KL = KL(histogram of predicted classes of the samples ‖ uniform); classes = classes with "
        "at least 1% of the samples. KID ×1000. The classical models are fitted on the 8x8 training images and "
        "their samples enlarged to 32x32 like the data.",
        "",
    ]
    baseline = state.get("digits_baseline")
    if baseline:
        lines.append(
            f"Real baseline, test split (360 images) vs train split: FID {baseline['fid']:.2f}, "
            f"KID×1000 {1000 * baseline['kid']:.2f}, class KL {baseline['class_kl']:.4f}. "
            "(FID is biased upwards at small sample counts; the 360-image baseline and the 2,500-sample "
            "generated sets are not the same size, which favours the generated side slightly.)"
        )
        lines.append("")
    lines += [
        "| run | seeds | FID | FID / real FID | KID×1000 | precision | recall | memorization | class KL | classes "
        "| steps | train s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    with_samplers = [
        name for run in DIGITS_RUNS for name in (run, *(f"{run}+{m}" for m in REJECTION_METHODS))
    ]
    digits = done_runs([name for name in with_samplers if name.split("+")[0] in planned])
    lines += [digits_row(run, rs, baseline and baseline["fid"]) for run, rs in digits.items()]
    lines += [
        f"| {run} | 0 | not run yet | | | | | | | | | |"
        for run in DIGITS_RUNS
        if run in planned and run not in digits
    ]
    if digits:
        verdicts.append(digits_verdict(digits))
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


def write_doc(text: str, path: Path, start: str = START, end: str = END) -> None:
    """Replaces the section of ``path`` between the markers ``start`` and ``end`` (default: the Quality
    section's), keeping everything else; appends it when the markers are missing."""
    block = f"{start}\n{text}{end}\n"
    if path.exists():
        old = path.read_text()
        if start in old and end in old:
            head, rest = old.split(start, 1)
            new = head + block + rest.split(end, 1)[1].lstrip("\n")
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
    parser.add_argument(
        "--rejection",
        choices=REJECTION_METHODS,
        default=None,
        help="also score every GAN run through this sampler (a <run>+<method> row)",
    )
    parser.add_argument("--note", default="", help="a line added to the doc (e.g. how the run was split)")
    parser.add_argument(
        "--machine",
        default=None,
        help="the doc's machine line (default: this machine's; for --report-only of results made elsewhere)",
    )
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
        out = args.out.resolve()
        results_dir = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
        everything = {"runs": {}, "notes": args.note, "results_dir": str(results_dir)}
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
        command = "benchmarks/parallel_quality.sh P <results folder> " + " ".join(map(str, report_seeds))
        text = report(merged(), command, planned, report_seeds, args.machine)
        if doc is not None:
            write_doc(text, doc)
        print(text)
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
            if args.rejection and not classical.is_classical(run):
                record = evaluate_rejection(model, datamodule, args.rejection)
                state["runs"][f"{run}+{args.rejection}@{seed}"] = {
                    **record,
                    "seconds": seconds,
                    "steps": steps,
                }
                print(f"{run}+{args.rejection}@{seed}: {record.get('metrics', record)}", flush=True)
            save()
    save()
    print(report(merged(), command.strip(), planned, report_seeds))


if __name__ == "__main__":
    main()
