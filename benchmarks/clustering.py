"""Clustering the digits without labels: InfoGAN's categorical code beside scikit-learn's clustering methods.

    python benchmarks/clustering.py                          # 5 seeds, full budgets -> runs/bench_clustering
    python benchmarks/clustering.py --seeds 0 --steps 300    # a short check

Protocol. The scikit-learn digits, all 1,797 images, 10 classes; labels are used only to score. Every method
clusters into 10 groups and is scored on the same 1,797 images with accuracy after Hungarian matching (one-to-one
cluster -> class, ``scipy.optimize.linear_sum_assignment``), NMI (arithmetic) and ARI
(``lightning_gans.metrics.clustering``).

- Classical methods on the 8x8 pixels (values 0..16, as ``load_digits`` gives them): ``KMeans(n_init=10)``,
  ``AgglomerativeClustering`` (Ward), ``SpectralClustering`` (nearest-neighbour affinity, 10 neighbours, as in
  scikit-learn's digits examples), ``GaussianMixture`` (10 diagonal-covariance components, 3 inits) and
  ``PCA(16)`` + ``KMeans(n_init=10)``; ``random_state`` = the seed.
- InfoGAN variants, trained on the digits' fixed 1,437-image training split (``DigitsDataModule``, the split every
  digits benchmark uses; no labels), then ``predict_cluster`` (argmax of Q's 10-way categorical head) on all 1,797
  images (the same 1,797 images in another order; the scores do not depend on it): ``infogan_mlp`` (8x8 images, MLP networks, GAN loss), ``infogan_conv`` (16x16, DCGAN-style networks),
  ``infogan_mlp_wgan_gp`` (8x8 MLP, WGAN-GP critic, 5 critic steps). 62 noise dims for conv, 32 for MLP; one 10-way
  and two continuous codes; lambda 1 / 0.1; Adam 1e-3 (G and Q) / 2e-4 (D), betas (0.5, 0.999) (WGAN-GP:
  1e-4, betas (0, 0.9)); batch 64.

The InfoGAN rows also give the generator's perceptual path length (``lightning_gans.metrics.path_length``:
1,000 latent pairs, distances in the digits network's features; lower = smoother latent space).

Mean ± sd over seeds; a markdown table is printed and everything is written to ``<out>/results.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from functools import partial
from pathlib import Path

import numpy as np
import torch
from lightning.pytorch import Trainer, seed_everything
from sklearn.cluster import AgglomerativeClustering, KMeans, SpectralClustering
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import make_pipeline

from lightning_gans import DigitsDataModule, InfoGAN
from lightning_gans.data.digits import load_digits_split
from lightning_gans.metrics.clustering import clustering_scores
from lightning_gans.metrics.digits_net import load_digits_classifier
from lightning_gans.metrics.path_length import path_length

ROOT = Path(__file__).resolve().parents[1]
K = 10
PPL_PAIRS = 1000
"""Latent pairs of the InfoGAN variants' perceptual path length (digits network features, epsilon 1e-4)."""

CLASSICAL = {
    "kmeans": lambda seed: KMeans(K, n_init=10, random_state=seed),
    "ward": lambda seed: AgglomerativeClustering(K, linkage="ward"),
    "spectral": lambda seed: SpectralClustering(
        K, affinity="nearest_neighbors", n_neighbors=10, assign_labels="kmeans", random_state=seed
    ),
    "gmm": lambda seed: GaussianMixture(K, covariance_type="diag", n_init=3, random_state=seed),
    "pca16_kmeans": lambda seed: make_pipeline(
        PCA(16, random_state=seed), KMeans(K, n_init=10, random_state=seed)
    ),
}

INFOGAN = {
    "infogan_mlp": dict(size=8, architecture="mlp", latent_dim=32, adversarial="gan"),
    "infogan_conv": dict(size=16, architecture="conv", latent_dim=62, adversarial="gan"),
    "infogan_mlp_wgan_gp": dict(size=8, architecture="mlp", latent_dim=32, adversarial="wgan_gp"),
}


def run_classical(name: str, seed: int, pixels: np.ndarray, labels: np.ndarray) -> dict:
    start = time.process_time()
    model = CLASSICAL[name](seed)
    clusters = model.fit(pixels).predict(pixels) if name == "gmm" else model.fit_predict(pixels)
    return clustering_scores(labels, clusters) | {"cpu_s": time.process_time() - start}


def run_infogan(name: str, seed: int, steps: int) -> dict:
    cfg = INFOGAN[name]
    wgan = cfg["adversarial"] == "wgan_gp"
    seed_everything(seed, verbose=False)
    optimizer = partial(torch.optim.Adam, lr=1e-4, betas=(0.0, 0.9)) if wgan else None
    model = InfoGAN(
        data_shape=[1, cfg["size"], cfg["size"]],
        latent_dim=cfg["latent_dim"],
        architecture=cfg["architecture"],
        generator_width=32,
        discriminator_width=32,
        adversarial=cfg["adversarial"],
        generator_optimizer=optimizer or partial(torch.optim.Adam, lr=1e-3, betas=(0.5, 0.999)),
        discriminator_optimizer=optimizer or partial(torch.optim.Adam, lr=2e-4, betas=(0.5, 0.999)),
    )
    start = time.process_time()
    Trainer(
        max_steps=steps,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    ).fit(model, DigitsDataModule(image_size=cfg["size"], batch_size=64))
    split = load_digits_split(cfg["size"])
    images = torch.cat([split["train"], split["test"]])
    labels = torch.cat([split["train_labels"], split["test_labels"]])
    scores = clustering_scores(labels, model.predict_cluster(images))
    cpu_s = time.process_time() - start
    # latent-space smoothness of the same generator (not part of the clustering scores or their CPU time)
    ppl = path_length(model, load_digits_classifier(), num_samples=PPL_PAIRS, seed=seed)["ppl"]
    return scores | {"cpu_s": cpu_s, "steps": steps, "ppl": ppl}


def summary(runs: list[dict]) -> dict:
    out = {}
    for key in ("acc", "nmi", "ari", "cpu_s", "ppl"):
        values = [r[key] for r in runs if key in r]
        if not values:
            continue
        out[key] = (statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0)
    return out


def table(results: dict) -> str:
    lines = [
        "| method | accuracy (Hungarian) | NMI | ARI | CPU s / run | PPL |",
        "|---|---|---|---|---|---|",
    ]
    for name, runs in results.items():
        s = summary(runs)
        cells = [f"{s[k][0]:.3f} ± {s[k][1]:.3f}" for k in ("acc", "nmi", "ari")]
        ppl = f"{s['ppl'][0]:.3g} ± {s['ppl'][1]:.2g}" if "ppl" in s else "-"
        lines.append(f"| {name} | {' | '.join(cells)} | {s['cpu_s'][0]:.1f} | {ppl} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument(
        "--steps", type=int, default=3000, help="InfoGAN generator steps per run (default 3000)"
    )
    parser.add_argument(
        "--variants",
        nargs="+",
        default=list(INFOGAN),
        choices=list(INFOGAN),
        help="InfoGAN variants to train",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench_clustering")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        default=None,
        help="results.json files of runs split by seed/variant (one process each): write their union to --out",
    )
    args = parser.parse_args(argv)
    if args.merge:
        return merge(args.merge, args.out)
    torch.set_num_threads(args.threads)

    x, y = load_digits(return_X_y=True)
    results: dict[str, list[dict]] = {}
    for seed in args.seeds:
        for name in CLASSICAL:
            results.setdefault(name, []).append(run_classical(name, seed, x, y) | {"seed": seed})
        for name in args.variants:
            results.setdefault(name, []).append(run_infogan(name, seed, args.steps) | {"seed": seed})
            print(f"seed {seed} {name}: {results[name][-1]}", flush=True)
    report = {
        "seeds": args.seeds,
        "steps": args.steps,
        "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread(s)",
        "runs": results,
        "summary": {name: summary(runs) for name, runs in results.items()},
    }
    write(report, args.out)
    return report


def write(report: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(report, indent=1))
    print(table(report["runs"]))
    print(
        f"\n{len(report['seeds'])} seed(s), InfoGAN {report['steps']} generator steps; JSON: {out / 'results.json'}"
    )


def merge(paths: list[Path], out: Path) -> dict:
    """The union of several runs' results (one run per method and seed: a seed's classical runs, repeated by
    every process of that seed, are kept once), written to ``out`` like a single run's."""
    runs: dict[str, dict[int, dict]] = {}
    parts = [json.loads(Path(p).read_text()) for p in paths]
    for part in parts:
        for name, method_runs in part["runs"].items():
            for run in method_runs:
                runs.setdefault(name, {}).setdefault(run["seed"], run)
    results = {name: [by_seed[s] for s in sorted(by_seed)] for name, by_seed in runs.items()}
    report = {
        "seeds": sorted({s for by_seed in runs.values() for s in by_seed}),
        "steps": parts[0]["steps"],
        "machine": parts[0]["machine"] + f", {len(parts)} processes merged",
        "runs": results,
        "summary": {name: summary(method_runs) for name, method_runs in results.items()},
    }
    write(report, out)
    return report


if __name__ == "__main__":
    main()
