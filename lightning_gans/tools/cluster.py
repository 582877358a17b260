"""``lightning-gans cluster``: assigns real images to the clusters of an InfoGAN's categorical code.

lightning-gans cluster --ckpt infogan.ckpt --data digits --out clusters.csv            # digits training split
lightning-gans cluster --ckpt infogan.ckpt --data digits --split test --out test.csv
lightning-gans cluster --ckpt infogan.ckpt --data mnist --root data --out clusters.csv  # torchvision MNIST

The CSV has one row per image: ``index`` (position in the split), ``cluster`` (argmax of Q's logits for
``--code``) and ``label`` (the set's class, used **only** for the printed scores: accuracy after Hungarian
matching, NMI, ARI) and ``matched_class`` (the class the cluster maps to under that matching).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import torch

from lightning_gans.capabilities import Clusters
from lightning_gans.data.digits import load_digits_split
from lightning_gans.errors import ConfigError
from lightning_gans.metrics.clustering import cluster_to_class, clustering_scores
from lightning_gans.tools import check_images, load_generator
from lightning_gans.tools.options import cluster_parser as parser

VISION_SETS = {"mnist": "MNISTDataModule", "fashion_mnist": "FashionMNISTDataModule"}


def load_images(
    data: str, split: str, image_size: int, channels: int, root: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(N, C, S, S)`` images in [-1, 1] (as in training) and their ``(N,)`` labels, in the set's order."""
    if data == "digits":
        parts = load_digits_split(image_size)
        names = ["train", "test"] if split == "all" else [split]
        return torch.cat([parts[n] for n in names]), torch.cat([parts[f"{n}_labels"] for n in names])
    if data in VISION_SETS:
        if split != "train":
            raise ConfigError(
                f"--data {data} reads the training split only (the split the model trained on)."
            )
        import lightning_gans.data as sets

        # batch_size 1: the module's own check wants one training batch; this command does not train
        module = getattr(sets, VISION_SETS[data])(
            root=root, image_size=image_size, channels=channels, batch_size=1, num_workers=0, download=False
        )
        # this command has no download option: the advice names the one that downloads
        module.download_advice = (
            f"Download it once with `lightning-gans fit` (--data.download true and --data.root {root})"
        )
        module.root_option = "--root"
        module.setup("fit")
        loader = torch.utils.data.DataLoader(module.train_set, batch_size=512, shuffle=False)
        images, labels = zip(*loader, strict=True)
        return torch.cat(images), torch.cat(labels)
    raise ConfigError(f"--data must be digits, {', '.join(VISION_SETS)}; got {data!r}.")


def run(args: argparse.Namespace) -> dict[str, float]:
    """Runs the command for parsed arguments; returns the scores ``{"acc", "nmi", "ari"}``."""
    model = load_generator(args.ckpt, args.device)
    if not isinstance(model, Clusters):
        raise ConfigError(
            f"{args.ckpt} holds a {type(model).__name__}, not an InfoGAN: it has no cluster code."
        )
    channels, size, _ = check_images(model, "`lightning-gans cluster`")
    images, labels = load_images(args.data, args.split, size, channels, args.root)
    clusters = model.predict_cluster(images, code=args.code)
    scores = clustering_scores(labels, clusters)
    mapping = cluster_to_class(labels, clusters)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["index", "cluster", "label", "matched_class"])
        for i, (c, y) in enumerate(zip(clusters.tolist(), labels.tolist(), strict=True)):
            writer.writerow([i, c, y, mapping.get(c, -1)])
    print(
        f"Wrote {len(clusters)} cluster assignments ({args.data} {args.split}, code {args.code}) to {out}. "
        f"Against the labels: accuracy (Hungarian) {scores['acc']:.3f}, NMI {scores['nmi']:.3f}, "
        f"ARI {scores['ari']:.3f}."
    )
    return scores


def main(argv: list[str] | None = None) -> dict[str, float]:
    """``lightning-gans cluster ...``; ``argv`` excludes the word ``cluster``."""
    return run(parser().parse_args(argv))
