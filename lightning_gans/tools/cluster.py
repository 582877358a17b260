"""``lightning-gans cluster``: assigns every sample of a data set to a cluster, and scores the clusters when the
data has labels.

lightning-gans cluster --ckpt clustergan.ckpt --data digits --split all --out clusters.csv   # argmax E_c(x)
lightning-gans cluster --ckpt infogan.ckpt --data mnist --root data --out clusters.csv      # Q's argmax
lightning-gans cluster --ckpt bigan.ckpt --data photos/ --k 10 --out clusters.csv           # KMeans on E(x)
lightning-gans cluster --ckpt table.ckpt --data rows.csv --label_column label --k 3         # a table

Without ``--k`` the model's own cluster code decides (``capabilities.Clusters``: ClusterGAN's ``argmax E_c(x)``,
InfoGAN's ``argmax Q(x)`` for ``--code``); with ``--k`` KMeans (scikit-learn, ``n_init=10``, ``--seed``) runs
on the latent vectors ``lightning-gans encode`` writes, for any model with an encoder. Data as for ``encode``
(``lightning_gans.tools.inputs``): a built-in set, a folder of images, a table.

The CSV has one row per sample, in input order: ``name`` (index in the set or table, or the image's path under the
folder) and ``cluster``; when labels are known (a built-in set's own, or a table's ``--label_column``), also
``label`` and ``matched_class`` (the class the cluster maps to under the Hungarian matching), and the printed
scores: accuracy after Hungarian matching, NMI, ARI and purity (the labels are used for nothing else).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import torch

from lightning_gans.capabilities import Clusters
from lightning_gans.checkpoint import load_model
from lightning_gans.engine.checkpoint import read_checkpoint
from lightning_gans.errors import ConfigError
from lightning_gans.metrics.clustering import cluster_to_class, clustering_scores, purity
from lightning_gans.tools.common import pick_device
from lightning_gans.tools.inputs import (
    IZIF_HINT,
    VISION_SETS,  # noqa: F401  kept importable from here
    Inputs,
    has_latent_vectors,
    latent_vectors,
    load_images,  # noqa: F401  kept importable from here
    read_inputs,
)
from lightning_gans.tools.options import cluster_parser as parser


def load_clustering_model(ckpt: str, k: int | None, device: str = "auto"):
    """The model at ``ckpt`` in eval mode, or a ``ConfigError`` naming the fix: a model without a cluster code
    needs ``--k``, and ``--k`` needs an encoder."""
    model = load_model(ckpt, map_location=pick_device(device)).eval()
    name = type(model).__name__
    if k is None and not isinstance(model, Clusters):
        if has_latent_vectors(model):
            raise ConfigError(
                f"{ckpt} holds a {name}, which has no cluster code: pass --k K to run KMeans on its latent vectors."
            )
        raise ConfigError(
            f"{ckpt} holds a {name}, which has neither a cluster code nor an encoder: use a ClusterGAN or InfoGAN "
            "checkpoint, or train an encoder for this GAN (`lightning-gans fit --config "
            "configs/anomaly/digits_izif.yaml --model.gan_ckpt CKPT`) and pass that checkpoint with --k K."
        )
    if k is not None and not has_latent_vectors(model):
        raise ConfigError(
            f"--k clusters latent vectors, but {ckpt} holds a {name}, which has no encoder: {IZIF_HINT}."
        )
    return model


def kmeans_clusters(vectors: torch.Tensor, k: int, seed: int = 0) -> torch.Tensor:
    """``(N,)`` KMeans clusters of ``(N, F)`` vectors (``n_init=10``, seeded)."""
    from sklearn.cluster import KMeans

    if k > len(vectors):
        raise ConfigError(f"--k {k} is more than the {len(vectors)} samples: give a smaller --k.")
    return torch.as_tensor(KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(vectors.numpy()))


def write_clusters(path: Path, inputs: Inputs, clusters: torch.Tensor) -> Path:
    """``name,cluster`` rows (and ``label,matched_class`` with labels), in input order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    labelled = inputs.labels is not None
    mapping = cluster_to_class(inputs.labels, clusters) if labelled else {}
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "cluster", *(["label", "matched_class"] if labelled else [])])
        for i, (name, c) in enumerate(zip(inputs.names, clusters.tolist(), strict=True)):
            extra = [int(inputs.labels[i]), mapping.get(c, -1)] if labelled else []
            writer.writerow([name, c, *extra])
    return path


def run(args: argparse.Namespace) -> dict[str, float]:
    """Runs the command for parsed arguments; returns the scores ``{"acc", "nmi", "ari", "purity"}`` (empty
    without labels)."""
    model = load_clustering_model(args.ckpt, args.k, args.device)
    inputs = read_inputs(
        args.data, model, read_checkpoint(args.ckpt), args.split, args.root, args.label_column
    )
    if args.k is None:
        clusters = model.predict_cluster(inputs.x, code=args.code, batch_size=args.batch_size).cpu()
        how = f"{type(model).__name__}'s code {args.code}"
    else:
        clusters = kmeans_clusters(latent_vectors(model, inputs.x, args.batch_size), args.k, args.seed)
        how = f"KMeans (k={args.k}) on {type(model).__name__}'s latent vectors"
    out = write_clusters(Path(args.out), inputs, clusters)
    summary = f"Wrote {len(clusters)} cluster assignments ({how}) to {out}."
    scores: dict[str, float] = {}
    if inputs.labels is not None:
        scores = clustering_scores(inputs.labels, clusters) | {"purity": purity(inputs.labels, clusters)}
        summary += (
            f" Against the labels: accuracy (Hungarian) {scores['acc']:.3f}, NMI {scores['nmi']:.3f}, "
            f"ARI {scores['ari']:.3f}, purity {scores['purity']:.3f}."
        )
    else:
        sizes = torch.bincount(clusters).tolist()
        summary += f" Cluster sizes: {sizes} (no labels: no scores; tables take --label_column)."
    print(summary)
    return scores


def main(argv: list[str] | None = None) -> dict[str, float]:
    """``lightning-gans cluster ...``; ``argv`` excludes the word ``cluster``."""
    return run(parser().parse_args(argv))
