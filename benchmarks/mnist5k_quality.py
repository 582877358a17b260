"""GANs and classical baselines on real MNIST digits (MNIST-5k, issue 24), scored in the shipped MNIST-5k network.

    python benchmarks/mnist5k_quality.py                  # 3 seeds of every run, writes the doc section
    python benchmarks/mnist5k_quality.py --seeds 0 --only gmm10+pca50/mnist5k dcgan/mnist5k
    python benchmarks/mnist5k_quality.py --seeds 0 --classical   # the classical rows only (a few CPU minutes)

Each ``<method>/mnist5k`` run (``benchmarks/classical.py``: Gaussian mixtures and KDE, on PCA components or
pixels) is fitted on MNIST-5k's 4,000 training digits; each GAN run (``configs/<run>.yaml``) is trained through
``quality.train`` (the CLI's code path, the seed changed) on the same digits; 2,500 samples (noise seed 1234, EMA
weights) are scored by ``ImageMetrics`` in the
64-d features of ``lightning_gans/metrics/weights/mnist5k_cnn.pt`` against the training split: FID, KID,
precision / recall (k = 3) and the memorisation ratio (median nearest-training-image distance of the samples
over that of the 1,000 test digits). The real baseline is the test split against the training split. These are
the bars a GAN on MNIST-5k has to beat (issue 24's target: the best GAN's FID below the best mixture's with a
memorisation ratio >= 0.9). Each GAN is also scored through DRS (``lightning_gans.sampling.RejectionSampler``,
``lightning-gans evaluate --rejection drs``'s defaults), its discriminator calibrated on the test split, which
the GAN never saw (as the digits' rejection sampling calibrates on theirs).

Writes ``docs/bench_quality/mnist5k.json``, ``mnist5k.table.txt`` beside it and the "MNIST-5k" section of
``docs/BENCHMARKS.md`` (between its markers).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import classical, quality  # noqa: E402

GAN_RUNS = ["pacgan/mnist5k", "dcgan/mnist5k", "wgan_gp/mnist5k"]
CLASSICAL_RUNS = [
    "gmm10+pca50/mnist5k",
    "gmm20+pca50/mnist5k",
    "gmm40+pca50/mnist5k",
    "gmm20+pca20/mnist5k",
    "kde+pca50/mnist5k",
    "kde0.05/mnist5k",
]
RUNS = GAN_RUNS + CLASSICAL_RUNS
SAMPLERS = ("plain", "drs")
METRICS = ["fid", "kid", "precision", "recall", "memorization"]
SAMPLE_SEED = 1234
START, END = "<!-- mnist5k:start -->", "<!-- mnist5k:end -->"
JSON_OUT = ROOT / "docs" / "bench_quality" / "mnist5k.json"
TARGET = "the best GAN's FID below the best Gaussian mixture's, memorisation ratio >= 0.9"


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def image_metrics():
    """MNIST-5k's metrics with its training split as the reference and its test split as the held-out set."""
    from lightning_gans.data.mnist5k import load_mnist5k_split
    from lightning_gans.metrics.image import ImageMetrics

    split = load_mnist5k_split(28)
    metrics = ImageMetrics("mnist5k", METRICS)
    metrics.update_real(split["train"])
    metrics.set_memorization_reference(split["train"], split["test"])
    return metrics, split


def score(metrics, images: torch.Tensor) -> dict[str, float]:
    metrics.reset()
    metrics.update_fake(images)
    result = metrics.compute()
    metrics.reset()
    return result


def generated(model, n: int = quality.NUM_SAMPLES) -> torch.Tensor:
    """``(n, 1, S, S)`` samples of a GAN or a ``RejectionSampler`` from noise seed 1234, as the ``Evaluator`` draws
    them (eval mode, EMA weights)."""
    from lightning_gans.metrics.evaluator import DataSpec, Evaluator

    evaluator = Evaluator(
        DataSpec("images", "MNIST5kDataModule", 28), feature_network="mnist5k", seed=SAMPLE_SEED
    )
    return torch.cat(evaluator.generate(model, n))


def drs_sampler(model):
    """DRS with ``lightning-gans evaluate --rejection drs``'s defaults, calibrated on the 1,000 test digits (the
    GAN never trained on them) at the size the GAN generates (a 32x32 DCGAN's discriminator takes 32x32 images),
    seeded as the tools seed it."""
    from lightning_gans.data.mnist5k import load_mnist5k_split
    from lightning_gans.tools.held_out import seeded_sampler

    held_out = load_mnist5k_split(int(model.generator.data_shape[-1]))["test"]
    return seeded_sampler(model, held_out, seed=SAMPLE_SEED, method="drs")


def run_gan(run: str, seed: int, metrics, out: Path) -> dict:
    """Trains ``configs/<run>.yaml`` with ``seed`` and scores it plainly and through DRS. A DRS refusal (a
    discriminator that cannot be calibrated) is recorded as a result."""
    from lightning_gans.errors import ConfigError

    cpu = cpu_seconds()
    model, _, seconds, steps = quality.train(run, seed, False, out / run.replace("/", "_") / str(seed))
    record = {"seconds": seconds, "cpu_seconds": cpu_seconds() - cpu, "steps": steps, "scores": {}}
    record["metrics"] = score(metrics, generated(model))
    record["scores"]["plain"] = {"metrics": record["metrics"]}
    cpu = cpu_seconds()
    try:
        sampler = drs_sampler(model)
        record["scores"]["drs"] = {
            "metrics": score(metrics, generated(sampler)),
            "acceptance_rate": sampler.acceptance_rate,
            "calibration": sampler.calibration.describe(),
        }
    except ConfigError as refusal:
        record["scores"]["drs"] = {"refused": str(refusal)}
    record["scores"]["drs"]["cpu_seconds"] = cpu_seconds() - cpu
    return record


def table(state: dict, seeds: list[int]) -> list[str]:
    spread = quality.mean_spread
    base = state["real_baseline"]
    lines = [
        f"Real baseline, test split (1,000 digits) vs train split: FID {base['fid']:.2f}, "
        f"KID×1000 {1000 * base['kid']:.2f}, precision {base['precision']:.3f}, recall {base['recall']:.3f}, "
        f"memorization {base['memorization']:.2f}.",
        "",
        "| run | sampling | seeds | FID | KID×1000 | precision | recall | memorization | accepted % | steps "
        "| train/fit s (wall) | CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in RUNS:
        rs = [state["runs"][f"{run}@{s}"] for s in seeds if f"{run}@{s}" in state["runs"]]
        for sampler in SAMPLERS if run in GAN_RUNS else ("plain",):
            scored = [r["scores"][sampler] if "scores" in r else r for r in rs]
            refused = sum("refused" in x for x in scored)
            scored = [x for x in scored if "metrics" in x]
            if not scored:
                continue

            def cell(name: str, scale: float = 1, xs: list[dict] = scored) -> str:
                return spread([scale * x["metrics"][name] for x in xs])

            accepted = "-"
            if sampler != "plain":
                accepted = spread([100 * x["acceptance_rate"] for x in scored])
            cpu = [r["cpu_seconds"] for r in rs if "cpu_seconds" in r]
            lines.append(
                f"| {run} | {sampler} | {len(scored)}{f' ({refused} refused)' if refused else ''} | {cell('fid')} "
                f"| {cell('kid', 1000)} | {cell('precision')} | {cell('recall')} | {cell('memorization')} "
                f"| {accepted} | {rs[0].get('steps') or 'fit'} | {sum(r['seconds'] for r in rs) / len(rs):.0f} "
                f"| {f'{sum(cpu) / len(cpu):.0f}' if cpu else '-'} |"
            )
    return lines


def verdict(state: dict, seeds: list[int]) -> str:
    """Issue 24's MNIST-5k target: the best GAN row (lowest mean FID among those with a memorisation ratio >=
    0.9, any sampling) against the best Gaussian mixture of the same run (means over seeds)."""

    def rows(runs: list[str]) -> dict[str, list[dict]]:
        out = {}
        for run in runs:
            rs = [state["runs"][f"{run}@{s}"] for s in seeds if f"{run}@{s}" in state["runs"]]
            for sampler in SAMPLERS if run in GAN_RUNS else ("plain",):
                scored = [(r["scores"][sampler] if "scores" in r else r) for r in rs]
                scored = [x["metrics"] for x in scored if "metrics" in x]
                if scored:
                    out[run if sampler == "plain" else f"{run} + {sampler}"] = scored
        return out

    def mean(xs: list[dict], name: str) -> float:
        return sum(x[name] for x in xs) / len(xs)

    gans, gmms = rows(GAN_RUNS), rows([run for run in CLASSICAL_RUNS if run.startswith("gmm")])
    if not gans or not gmms:
        return f"MNIST-5k: target ({TARGET}) not measured: no GAN or no mixture row yet"
    best_gmm = min(gmms, key=lambda run: mean(gmms[run], "fid"))
    honest = {run: xs for run, xs in gans.items() if mean(xs, "memorization") >= 0.9} or gans
    best = min(honest, key=lambda run: mean(honest[run], "fid"))
    fid, bar, memo = mean(gans[best], "fid"), mean(gmms[best_gmm], "fid"), mean(gans[best], "memorization")
    met = fid < bar and memo >= 0.9
    return (
        f"MNIST-5k: target ({TARGET}) **{'met' if met else 'missed'}**: best GAN {best} ({len(gans[best])} "
        f"seed{'s' if len(gans[best]) > 1 else ''}) FID {fid:.2f} (memorization {memo:.2f}) vs {best_gmm} "
        f"{bar:.2f} (memorization {mean(gmms[best_gmm], 'memorization'):.2f}): {fid / bar:.2f}x"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="classical baselines on MNIST-5k in the MNIST-5k network")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="+", default=None, choices=RUNS)
    parser.add_argument("--json", type=Path, default=JSON_OUT)
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--no-doc", action="store_true")
    parser.add_argument("--classical", action="store_true", help="the classical rows only")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench_mnist5k", help="GAN run folders")
    parser.add_argument("--report-only", action="store_true", help="rewrite the doc from --json; run nothing")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    command = "python benchmarks/mnist5k_quality.py " + " ".join(argv if argv is not None else sys.argv[1:])
    metrics, split = image_metrics()
    state = json.loads(args.json.read_text()) if args.json.exists() else {"runs": {}}
    state["real_baseline"] = score(metrics, split["test"])
    planned = args.only or (CLASSICAL_RUNS if args.classical else RUNS)
    for seed in [] if args.report_only else args.seeds:
        for run in planned:
            key = f"{run}@{seed}"
            if key in state["runs"]:
                continue
            if run in GAN_RUNS:
                state["runs"][key] = run_gan(run, seed, metrics, args.out)
            else:
                cpu = cpu_seconds()
                sampler, seconds = classical.fit(run, seed)
                torch.manual_seed(SAMPLE_SEED)
                state["runs"][key] = {
                    "metrics": score(metrics, sampler.sample(quality.NUM_SAMPLES)),
                    "seconds": seconds,
                    "fitted": classical.describe(sampler.estimator),
                }
                state["runs"][key]["cpu_seconds"] = cpu_seconds() - cpu
            print(f"{key}: {state['runs'][key]}", flush=True)
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(state, indent=1))
    lines = [
        "### MNIST-5k: GANs and classical baselines in the MNIST-5k network (issue 24)",
        "",
        f"Command: `{command.strip()}` (results: `{args.json.name}` in `docs/bench_quality/`, this table in "
        f"`{args.json.with_suffix('.table.txt').name}`). Machine: {quality.machine()}. "
        f"Last update: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "GANs: `configs/<run>.yaml` trained on MNIST-5k's 4,000 training digits through the CLI's code path "
        "(seed changed); `drs`: the same generator through DRS (`lightning-gans evaluate --rejection drs`'s "
        "defaults), its discriminator calibrated on the 1,000 test digits. Classical rows: "
        "fitted on the same 4,000 digits (28x28, [-1, 1]; `+pca<d>`: on the first d principal "
        "components, samples mapped back to pixels; `kde`: the bandwidth of the best 5-fold held-out likelihood; "
        "`kde0.05`: a fixed small bandwidth on pixels, a near copy of the training digits); 2,500 samples scored in "
        "the 64-d features of `lightning_gans/metrics/weights/mnist5k_cnn.pt` against the training split. "
        "Memorization = median distance of a sample to its nearest training digit over the same for the test "
        "split's digits. KID ×1000. Mean ± std over seeds. CPU s: one-thread CPU seconds of training (GAN rows; sampling and scoring add 20-45 s) or of fitting, sampling and scoring (classical rows).",
        "",
        *table(state, args.seeds),
        "",
        f"- {verdict(state, args.seeds)}",
    ]
    text = "\n".join(lines) + "\n"
    args.json.with_suffix(".table.txt").write_text(
        "\n".join(line for line in lines if line.startswith("|")) + "\n"
    )
    if not args.no_doc:
        quality.write_doc(text, args.doc, START, END)
    print(text)


if __name__ == "__main__":
    main()
