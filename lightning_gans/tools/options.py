"""The tools' command-line options, built with argparse alone (no torch, no Lightning).

``lightning-gans sample --help`` (and a mistyped option) is answered from here before the tool's own module, which
imports torch, is loaded: ``lightning_gans.commands`` parses with these parsers first.
"""

from __future__ import annotations

import argparse

DATA_NAMES = ("digits", "ring8", "grid25")
"""Data ``lightning-gans evaluate --data`` knows by name."""


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line, ``lightning-gans: error: COMMAND: ...`` (status 2), as every
    other error of the command is; ``--help`` still prints the usage."""

    def error(self, message: str):
        command = self.prog.removeprefix("lightning-gans ")
        self.exit(
            2, f"lightning-gans: error: {command}: {message} (`{self.prog} --help` lists the options)\n"
        )


def whole_number_at_least(minimum: int):
    """An argparse ``type``: an integer >= ``minimum`` (a count: samples, batch size, paths, steps)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not an integer; give a whole number >= {minimum}"
            ) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is not allowed; give a whole number >= {minimum}")
        return value

    return parse


positive_int = whole_number_at_least(1)
non_negative_int = whole_number_at_least(0)


def positive_float(text: str) -> float:
    """An argparse ``type``: a finite number > 0 (a threshold such as ``--truncation``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; give a number > 0, e.g. 0.7") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{value} is not allowed; give a number > 0, e.g. 0.7")
    return value


def add_checkpoint_options(p: argparse.ArgumentParser) -> None:
    """The options every generating command shares: ``--ckpt``, ``--ema/--no-ema`` and ``--device``."""
    p.add_argument("--ckpt", required=True, help="checkpoint (.ckpt) written by `lightning-gans fit`")
    p.add_argument(
        "--ema",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="use the EMA generator when the checkpoint has one (default: --ema)",
    )
    p.add_argument(
        "--device", default="auto", help="cpu, cuda, cuda:1, ... (default: a GPU when there is one)"
    )


def percentile(text: str) -> float:
    """An argparse ``type``: a number in [0, 100] (DRS's ``--gamma_percentile``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; give a percentile in [0, 100]") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; give a percentile in [0, 100], e.g. 95")
    return value


def add_rejection_options(p: argparse.ArgumentParser) -> None:
    """``--rejection drs|mh`` and its settings (``lightning_gans.sampling.RejectionSampler``)."""
    p.add_argument(
        "--rejection",
        choices=("drs", "mh"),
        default=None,
        help="correct the samples with the calibrated discriminator: drs (discriminator rejection sampling) or "
        "mh (Metropolis-Hastings GAN); calibrates on held-out real data (see --data/--config) and prints the "
        "acceptance rate (default: off)",
    )
    p.add_argument(
        "--proposals",
        type=positive_int,
        default=20,
        help="--rejection mh: proposals per chain, K (default 20)",
    )
    p.add_argument(
        "--gamma_percentile",
        "--gamma-percentile",
        type=percentile,
        default=95.0,
        help="--rejection drs: gamma is this percentile of F over the burn-in; higher keeps fewer (default 95)",
    )
    p.add_argument(
        "--calibration_num",
        "--calibration-num",
        type=whole_number_at_least(4),
        default=2000,
        help="--rejection: held-out real samples for the calibration, at most (default 2000)",
    )


def sample_parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="lightning-gans sample",
        description="Generate images from a trained GAN checkpoint: N PNG files that "
        "torchvision.datasets.ImageFolder reads (OUT/CLASS_NAME/000000.png, ...), or one grid image with --grid.",
    )
    add_checkpoint_options(p)
    p.add_argument("--num", type=positive_int, default=64, help="number of samples (default 64)")
    p.add_argument(
        "--out",
        default="samples",
        help="output folder; with --grid, the PNG file (a folder gets grid.png); for a model that makes rows "
        "(tables, 2-D points), a .csv or .npy file (a folder gets rows.csv) (default: samples)",
    )
    p.add_argument("--grid", action="store_true", help="write one grid image instead of one file per sample")
    p.add_argument(
        "--nrow", type=positive_int, default=None, help="images per grid row (default: about sqrt(num))"
    )
    p.add_argument(
        "--class_name", "--class-name", default="generated", help="class folder name (default: generated)"
    )
    p.add_argument(
        "--seed", type=int, default=0, help="noise seed: the same seed gives the same images (default 0)"
    )
    p.add_argument(
        "--batch_size",
        "--batch-size",
        type=positive_int,
        default=256,
        help="samples per forward pass (default 256)",
    )
    p.add_argument(
        "--class",
        dest="class_index",
        type=int,
        default=None,
        help="conditional models: generate --num images of this class (default: classes drawn as in training)",
    )
    p.add_argument(
        "--balance",
        default=None,
        metavar="FOLDER_OR_COUNTS",
        help="conditional models: top every class up to the largest, given an ImageFolder-layout folder (its "
        "class subfolders are counted and their names reused) or comma-separated counts per class; ignores --num",
    )
    p.add_argument(
        "--truncation",
        type=positive_float,
        default=None,
        help="truncation trick: redraw noise entries with |z| > this threshold (e.g. 0.7; default: off)",
    )
    add_rejection_options(p)
    p.add_argument(
        "--data",
        default=None,
        help=f"--rejection: the training data by name, one of {', '.join(DATA_NAMES)} (else from --config, the "
        "checkpoint's Evaluation record or the run's config.yaml)",
    )
    p.add_argument(
        "--config", default=None, help="--rejection: training config whose data: section gives them"
    )
    return p


def interpolate_parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="lightning-gans interpolate",
        description="Walk the latent space of a trained GAN: a grid (one path per row) and an animated GIF.",
    )
    add_checkpoint_options(p)
    p.add_argument(
        "--paths", type=positive_int, default=4, help="number of paths, one per grid row (default 4)"
    )
    p.add_argument(
        "--steps", type=positive_int, default=8, help="points per path, end points included (default 8)"
    )
    p.add_argument(
        "--method", choices=["slerp", "linear"], default="slerp", help="spherical or linear (default: slerp)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the end points (default 0)")
    p.add_argument(
        "--class",
        dest="class_index",
        type=int,
        default=None,
        help="conditional models: hold this class along every path (default: class i mod K on row i)",
    )
    p.add_argument("--out", default="interpolation.png", help="grid PNG path (default: interpolation.png)")
    p.add_argument(
        "--gif",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also write an animated GIF beside the grid, same name with .gif (default: --gif)",
    )
    p.add_argument(
        "--frame_ms",
        "--frame-ms",
        type=positive_int,
        default=120,
        help="GIF frame duration in ms (default 120)",
    )
    return p


def evaluate_parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="lightning-gans evaluate",
        description="Scores a checkpoint's samples and prints the protocol (feature network, samples, real split).",
    )
    p.add_argument("--ckpt", "--ckpt_path", dest="ckpt", required=True, help="checkpoint written by training")
    p.add_argument("--num_samples", type=positive_int, default=2500, help="generated samples (default 2500)")
    p.add_argument(
        "--metrics",
        nargs="+",
        default=None,
        help="e.g. fid kid is precision recall density coverage memorization class_kl classes ppl | "
        "modes hq reverse_kl energy (default: chosen by the data; ppl: digits only)",
    )
    p.add_argument("--seed", type=int, default=0, help="noise seed of the samples")
    p.add_argument("--data", default=None, help=f"one of {', '.join(DATA_NAMES)} (else inferred)")
    p.add_argument("--config", default=None, help="training config whose data: section gives the real data")
    p.add_argument("--feature_network", default="auto", choices=["auto", "inception", "digits", "mnist5k"])
    p.add_argument("--inception_weights", default=None, help="local torch-fidelity Inception weights file")
    p.add_argument("--antialias", action="store_true", help="torchmetrics' antialiased resize (default: off)")
    p.add_argument(
        "--num_real", type=positive_int, default=10000, help="real images for non-digits image data"
    )
    p.add_argument("--real_split", default="train", choices=["train", "test"], help="digits reference split")
    p.add_argument("--no_baseline", action="store_true", help="digits: skip the real test-vs-train baseline")
    p.add_argument("--batch_size", type=positive_int, default=250)
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ...")
    p.add_argument("--json", default=None, help="also write the results and protocol to this JSON file")
    add_rejection_options(p)
    return p


def score_parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="lightning-gans score",
        description="Anomaly scores for every image in a folder or every row of a .csv/.npy/.pt table.",
    )
    p.add_argument("--ckpt", required=True, help="checkpoint of a BiGAN, an IZIfEncoder or any GAN")
    p.add_argument("--data", required=True, help="folder of images (searched recursively) or a table file")
    p.add_argument("--out", default="scores.csv", help="output CSV: name,score,flagged (default scores.csv)")
    p.add_argument(
        "--threshold", type=float, default=None, help="flag scores above this (default: stored one)"
    )
    p.add_argument(
        "--label_column",
        "--label-column",
        default=None,
        help="tables: a column to leave out of the features (index or header name), e.g. the label column",
    )
    p.add_argument(
        "--topk",
        type=non_negative_int,
        default=16,
        help="images in the top-anomalies picture (default 16; 0: none)",
    )
    p.add_argument(
        "--topk_png",
        "--topk-png",
        default=None,
        help="picture of the top-k anomalies (default: OUT with .png)",
    )
    p.add_argument(
        "--batch_size", "--batch-size", type=positive_int, default=256, help="samples per forward pass"
    )
    p.add_argument("--device", default="auto", help="cpu, cuda, ... (default: a GPU when there is one)")
    return p


def add_data_options(p: argparse.ArgumentParser) -> None:
    """``--data`` and what goes with it, shared by ``encode`` and ``cluster``."""
    p.add_argument(
        "--data",
        default="digits",
        help="digits (default), mnist, fashion_mnist, a folder of images (read recursively, sorted by path) or a "
        "table (.csv, .npy, .pt)",
    )
    p.add_argument(
        "--split",
        choices=["train", "test", "all"],
        default="train",
        help="built-in sets: which split (default train; mnist and fashion_mnist: train only)",
    )
    p.add_argument("--root", default="data", help="folder of the torchvision sets (default: data)")
    p.add_argument(
        "--label_column",
        "--label-column",
        default=None,
        help="tables: a column (index or header name) holding labels, left out of the features; with labels "
        "`cluster` prints scores",
    )
    p.add_argument(
        "--batch_size", "--batch-size", type=positive_int, default=256, help="samples per forward pass"
    )
    p.add_argument("--device", default="auto", help="cpu, cuda, ... (default: a GPU when there is one)")


def vectors_file(text: str) -> str:
    """An argparse ``type``: an output path ending in .npy or .csv."""
    if not text.lower().endswith((".npy", ".csv")):
        raise argparse.ArgumentTypeError(f"{text!r} must end in .npy (the array) or .csv (named rows)")
    return text


def encode_parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="lightning-gans encode",
        description="Latent vectors of every sample, in input order, from a model with an encoder (BiGAN, "
        "IZIfEncoder, ClusterGAN) or an InfoGAN (Q's estimate of its codes).",
    )
    p.add_argument("--ckpt", required=True, help="checkpoint (.ckpt) written by `lightning-gans fit`")
    add_data_options(p)
    p.add_argument(
        "--out",
        required=True,
        type=vectors_file,
        help="emb.npy (an (N, F) float32 array) or emb.csv (name, z0.., label when known)",
    )
    return p


def cluster_parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="lightning-gans cluster",
        description="Cluster data with a model's own cluster code (ClusterGAN: argmax E_c(x); InfoGAN: Q's "
        "argmax) or, with --k, KMeans on its latent vectors (any model with an encoder); scores when labels "
        "are known.",
    )
    p.add_argument("--ckpt", required=True, help="checkpoint (.ckpt) written by `lightning-gans fit`")
    add_data_options(p)
    p.add_argument("--code", type=int, default=0, help="which categorical code clusters (default 0)")
    p.add_argument(
        "--k",
        type=whole_number_at_least(2),
        default=None,
        help="KMeans with k clusters on the latent vectors (`lightning-gans encode`'s) instead of the model's "
        "own code; needed for models without one (BiGAN, IZIfEncoder)",
    )
    p.add_argument("--seed", type=int, default=0, help="KMeans seed (default 0)")
    p.add_argument("--out", default="clusters.csv", help="CSV path (default: clusters.csv)")
    return p


def traverse_parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="lightning-gans traverse",
        description="Latent traversals of an InfoGAN: one row per categorical value, columns sweep a continuous code.",
    )
    add_checkpoint_options(p)
    p.add_argument("--code", type=int, default=0, help="categorical code giving the rows (default 0)")
    p.add_argument(
        "--continuous", type=int, default=0, help="continuous code swept along the columns (default 0)"
    )
    p.add_argument("--steps", type=positive_int, default=8, help="columns, from -1 to 1 (default 8)")
    p.add_argument("--seed", type=int, default=0, help="seed of the fixed noise (default 0)")
    p.add_argument(
        "--zoom", type=int, default=1, help="enlarge the pictures by this factor, nearest pixel (default 1)"
    )
    p.add_argument("--out", default="traversal.png", help="grid PNG path (default: traversal.png)")
    p.add_argument(
        "--gif",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also write OUT with .gif (default: --gif)",
    )
    p.add_argument(
        "--frame_ms",
        "--frame-ms",
        type=positive_int,
        default=150,
        help="GIF frame duration in ms (default 150)",
    )
    return p


def translate_parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="lightning-gans translate",
        description="Translate images with a CycleGAN or Pix2Pix checkpoint: one output per input file, with the "
        "same relative path and name under --out (folders are read recursively).",
    )
    add_checkpoint_options(p)
    p.add_argument("--data", required=True, help="an image file or a folder of images (read recursively)")
    p.add_argument(
        "--direction",
        choices=("a2b", "b2a"),
        default="a2b",
        help="a2b: domain A -> B (trainA-like inputs), b2a: B -> A (CycleGAN only) (default a2b)",
    )
    p.add_argument("--out", required=True, help="output folder (must not be the input folder)")
    p.add_argument(
        "--grid",
        default=None,
        help="also write a PNG of input / translation / reconstruction rows for the first 8 inputs "
        "(CycleGAN; Pix2Pix shows input / translation)",
    )
    p.add_argument(
        "--convert",
        action="store_true",
        help="convert images whose channels differ from the model's input domain (grey <-> RGB) instead of "
        "refusing them",
    )
    p.add_argument(
        "--batch_size", "--batch-size", type=positive_int, default=16, help="images per forward pass (16)"
    )
    return p
