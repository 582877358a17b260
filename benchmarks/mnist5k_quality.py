"""Classical baselines on real MNIST digits (MNIST-5k, issue 24), scored in the shipped MNIST-5k network.

    python benchmarks/mnist5k_quality.py                  # 3 seeds of every baseline, writes the doc section
    python benchmarks/mnist5k_quality.py --seeds 0 --only gmm10+pca50/mnist5k

Each ``<method>/mnist5k`` run (``benchmarks/classical.py``: Gaussian mixtures and KDE, on PCA components or
pixels) is fitted on MNIST-5k's 4,000 training digits; 2,500 samples are scored by ``ImageMetrics`` in the
64-d features of ``lightning_gans/metrics/weights/mnist5k_cnn.pt`` against the training split: FID, KID,
precision / recall (k = 3) and the memorisation ratio (median nearest-training-image distance of the samples
over that of the 1,000 test digits). The real baseline is the test split against the training split. These are
the bars a GAN on MNIST-5k has to beat (issue 24's target: the best GAN's FID below the best mixture's with a
memorisation ratio >= 0.9).

Writes ``docs/bench_quality/mnist5k.json``, ``mnist5k.table.txt`` beside it and the "MNIST-5k" section of
``docs/BENCHMARKS.md`` (between its markers).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import classical, quality  # noqa: E402

RUNS = [
    "gmm10+pca50/mnist5k",
    "gmm20+pca50/mnist5k",
    "gmm40+pca50/mnist5k",
    "gmm20+pca20/mnist5k",
    "kde+pca50/mnist5k",
    "kde0.05/mnist5k",
]
METRICS = ["fid", "kid", "precision", "recall", "memorization"]
SAMPLE_SEED = 1234
START, END = "<!-- mnist5k:start -->", "<!-- mnist5k:end -->"
JSON_OUT = ROOT / "docs" / "bench_quality" / "mnist5k.json"


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


def table(state: dict, seeds: list[int]) -> list[str]:
    spread = quality.mean_spread
    base = state["real_baseline"]
    lines = [
        f"Real baseline, test split (1,000 digits) vs train split: FID {base['fid']:.2f}, "
        f"KID×1000 {1000 * base['kid']:.2f}, precision {base['precision']:.3f}, recall {base['recall']:.3f}, "
        f"memorization {base['memorization']:.2f}.",
        "",
        "| run | seeds | FID | KID×1000 | precision | recall | memorization | fit s (wall) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in RUNS:
        rs = [state["runs"][f"{run}@{s}"] for s in seeds if f"{run}@{s}" in state["runs"]]
        if not rs:
            continue

        def cell(name: str, scale: float = 1, rs: list[dict] = rs) -> str:
            return spread([scale * r["metrics"][name] for r in rs])

        lines.append(
            f"| {run} | {len(rs)} | {cell('fid')} | {cell('kid', 1000)} | {cell('precision')} | {cell('recall')} "
            f"| {cell('memorization')} | {sum(r['seconds'] for r in rs) / len(rs):.0f} |"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="classical baselines on MNIST-5k in the MNIST-5k network")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="+", default=None, choices=RUNS)
    parser.add_argument("--json", type=Path, default=JSON_OUT)
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    command = "python benchmarks/mnist5k_quality.py " + " ".join(argv if argv is not None else sys.argv[1:])
    metrics, split = image_metrics()
    state = json.loads(args.json.read_text()) if args.json.exists() else {"runs": {}}
    state["real_baseline"] = score(metrics, split["test"])
    for seed in args.seeds:
        for run in args.only or RUNS:
            key = f"{run}@{seed}"
            if key in state["runs"]:
                continue
            sampler, seconds = classical.fit(run, seed)
            torch.manual_seed(SAMPLE_SEED)
            result = score(metrics, sampler.sample(quality.NUM_SAMPLES))
            state["runs"][key] = {
                "metrics": result,
                "seconds": seconds,
                "fitted": classical.describe(sampler.estimator),
            }
            print(f"{key}: {result} ({seconds:.1f} s fit)", flush=True)
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(state, indent=1))
    lines = [
        "### MNIST-5k: classical baselines in the MNIST-5k network (issue 24)",
        "",
        f"Command: `{command.strip()}` (results: `{args.json.name}` in `docs/bench_quality/`, this table in "
        f"`{args.json.with_suffix('.table.txt').name}`). Machine: {quality.machine()}. "
        f"Last update: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "Fitted on MNIST-5k's 4,000 training digits (28x28, [-1, 1]; `+pca<d>`: on the first d principal "
        "components, samples mapped back to pixels; `kde`: the bandwidth of the best 5-fold held-out likelihood; "
        "`kde0.05`: a fixed small bandwidth on pixels, a near copy of the training digits); 2,500 samples scored in "
        "the 64-d features of `lightning_gans/metrics/weights/mnist5k_cnn.pt` against the training split. "
        "Memorization = median distance of a sample to its nearest training digit over the same for the test "
        "split's digits. KID ×1000. Mean ± std over seeds.",
        "",
        *table(state, args.seeds),
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
