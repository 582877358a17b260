"""``lightning-gans encode``: the latent vector of every sample of a data set, in input order.

lightning-gans encode --ckpt clustergan.ckpt --data digits --split all --out emb.csv   # a built-in set
lightning-gans encode --ckpt bigan.ckpt --data photos/ --out emb.npy                     # every image under photos/
lightning-gans encode --ckpt bigan.ckpt --data rows.csv --label_column label --out emb.csv

The model is one with an encoder (BiGAN: ``E(x)``; ``IZIfEncoder``: ``E(x)``; ClusterGAN: ``E_n(x)`` then the
cluster probabilities ``softmax(E_c(x))``) or an InfoGAN (Q's estimate of the codes: category probabilities, then
the continuous codes' means). ``.npy`` holds the ``(N, F)`` float32 array, rows in input order; ``.csv`` has a
``name`` column (the image's path under the folder, or the index in the table or set: 0 = the first data row),
``z0 .. z{F-1}``, and ``label`` when the data has labels (a built-in set, or a table's ``--label_column``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import torch

from lightning_gans.checkpoint import load_model
from lightning_gans.engine.checkpoint import read_checkpoint
from lightning_gans.errors import ConfigError
from lightning_gans.tools.common import pick_device
from lightning_gans.tools.inputs import IZIF_HINT, Inputs, has_latent_vectors, latent_vectors, read_inputs
from lightning_gans.tools.options import encode_parser as parser


def load_encoding_model(ckpt: str, device: str = "auto"):
    """The model at ``ckpt`` in eval mode, or a ``ConfigError`` naming the fix when it has no way into its
    latent space (a DCGAN, WGAN-GP, ...)."""
    model = load_model(ckpt, map_location=pick_device(device)).eval()
    if not has_latent_vectors(model):
        raise ConfigError(f"{ckpt} holds a {type(model).__name__}, which has no encoder: {IZIF_HINT}.")
    return model


def write_vectors(path: Path, inputs: Inputs, vectors: torch.Tensor) -> Path:
    """``vectors`` as ``.npy`` (the array) or ``.csv`` (name, z0.., label): one row per sample, input order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".npy":
        np.save(path, vectors.numpy().astype(np.float32))
        return path
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        labelled = inputs.labels is not None
        writer.writerow(
            ["name", *(f"z{j}" for j in range(vectors.shape[1])), *(["label"] if labelled else [])]
        )
        for i, name in enumerate(inputs.names):
            label = [int(inputs.labels[i])] if labelled else []
            writer.writerow([name, *(f"{v:.6g}" for v in vectors[i].tolist()), *label])
    return path


def main(argv: list[str] | None = None) -> torch.Tensor:
    """``lightning-gans encode ...``; ``argv`` excludes the word ``encode``. Returns the ``(N, F)`` vectors."""
    args = parser().parse_args(argv)
    model = load_encoding_model(args.ckpt, args.device)
    inputs = read_inputs(
        args.data, model, read_checkpoint(args.ckpt), args.split, args.root, args.label_column
    )
    vectors = latent_vectors(model, inputs.x, args.batch_size)
    out = write_vectors(Path(args.out), inputs, vectors)
    print(
        f"Wrote {len(vectors)} latent vectors of {vectors.shape[1]} values ({type(model).__name__}) to {out}, "
        "rows in input order."
    )
    return vectors
