"""One-class anomaly detection on the embedded digits: our GAN scores beside scikit-learn's detectors, same run.

    python benchmarks/anomaly.py                       # 10 digits x 3 seeds (long on CPU), prints the table
    python benchmarks/anomaly.py --digits 0 1 --seeds 0 --gan_steps 200 --encoder_steps 200   # a short check

Protocol (Deep SVDD, ``normal_classes``): digit d is normal; every method trains on d's training images of the
fixed digits split (16x16, [-1, 1]) less 10% held out (``lightning_gans.data.one_class``); AUROC on the whole test
split (360 images, about 36 normal). Anything chosen (KDE bandwidth) is chosen on the held-out normal images only,
never on the test split. Methods, all on the same flattened 16x16 pixels:

- scikit-learn: ``IsolationForest``, ``OneClassSVM`` (RBF, gamma "scale", nu 0.1), ``LocalOutlierFactor``
  (novelty, 20 neighbours), PCA reconstruction error (components for 90% of the variance), ``KernelDensity``
  (Gaussian, bandwidth maximising the held-out normal log-likelihood);
- pyod (the ``bench`` dependency group), its defaults unless said: ``ECOD``; ``AutoEncoder`` (50 epochs) and
  ``DeepSVDD`` (100 epochs), the deep one-class baselines; and its GAN-based detectors ``AnoGAN`` (500 epochs),
  ``ALAD`` (200 epochs), ``SO_GAAL`` and ``MO_GAAL``. The two GAAL detectors return their discriminator's
  probability of a sample being *normal*, so their scores are negated (higher = more anomalous, like the rest);
- ours: f-AnoGAN (``WGANGP`` conv, then ``IZIfEncoder``; score izi_f), the WGAN-GP critic alone (D-only), and
  ``BiGAN`` (conv; EGBAD score). Lengths in generator steps (``--gan_steps``, ``--encoder_steps``).

The issue's target compares the best of ours with the best non-GAN detector (scikit-learn's and pyod's ECOD,
AutoEncoder, DeepSVDD). Not run here (see docs/BENCHMARKS.md): anomalib's Ganomaly, which needs an environment
of its own (anomalib pins a jsonargparse older than the project's lock).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from lightning.pytorch import Trainer, seed_everything
from pyod.models.alad import ALAD
from pyod.models.anogan import AnoGAN
from pyod.models.auto_encoder import AutoEncoder
from pyod.models.deep_svdd import DeepSVDD
from pyod.models.ecod import ECOD
from pyod.models.mo_gaal import MO_GAAL
from pyod.models.so_gaal import SO_GAAL
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import KernelDensity, LocalOutlierFactor
from sklearn.svm import OneClassSVM

from lightning_gans import WGANGP, BiGAN, DigitsDataModule, IZIfEncoder, anomaly

ROOT = Path(__file__).resolve().parents[1]
CLASSICAL = [
    "isolation_forest",
    "ocsvm",
    "lof",
    "pca",
    "kde",
    "pyod_ecod",
    "pyod_autoencoder",
    "pyod_deep_svdd",
]
PYOD_GANS = ["pyod_anogan", "pyod_alad", "pyod_so_gaal", "pyod_mo_gaal"]
OURS = ["fanogan_izif", "d_only", "bigan"]
METHODS = CLASSICAL + PYOD_GANS + OURS


def trainer(steps: int, root: Path) -> Trainer:
    return Trainer(
        max_steps=steps,
        accelerator="cpu",
        default_root_dir=root,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )


def classical_scores(
    train: np.ndarray, val: np.ndarray, test: np.ndarray, seed: int
) -> dict[str, np.ndarray]:
    """``(N_test,)`` scores per scikit-learn detector (higher = more anomalous; their ``score_samples`` is the
    opposite, so it is negated)."""
    scores = {
        "isolation_forest": -IsolationForest(random_state=seed).fit(train).score_samples(test),
        "ocsvm": -OneClassSVM(gamma="scale", nu=0.1).fit(train).score_samples(test),
        "lof": -LocalOutlierFactor(n_neighbors=20, novelty=True).fit(train).score_samples(test),
    }
    pca = PCA(n_components=0.9, random_state=seed).fit(train)
    scores["pca"] = ((test - pca.inverse_transform(pca.transform(test))) ** 2).sum(1)
    bandwidths = np.logspace(-1, 1.5, 12)
    best = max(bandwidths, key=lambda b: KernelDensity(bandwidth=b).fit(train).score(val))  # held-out normal
    scores["kde"] = -KernelDensity(bandwidth=best).fit(train).score_samples(test)
    return scores


def pyod_scores(
    train: np.ndarray, test: np.ndarray, seed: int, epochs: int | None = None
) -> dict[str, np.ndarray]:
    """``(N_test,)`` scores per pyod detector, higher = more anomalous (``decision_function``; the GAAL
    detectors' discriminators give the probability of being normal, so those are negated). ``epochs`` replaces
    every trained detector's epoch count (a quick check); None = the counts in the module docstring."""
    torch.manual_seed(seed)
    np.random.seed(seed)  # pyod's GAAL and GAN detectors draw from numpy's and torch's global generators
    detectors = {
        "pyod_ecod": lambda: ECOD(),
        "pyod_autoencoder": lambda: AutoEncoder(epoch_num=epochs or 50, verbose=0, random_state=seed),
        "pyod_deep_svdd": lambda: DeepSVDD(
            n_features=train.shape[1], epochs=epochs or 100, verbose=0, random_state=seed
        ),
        "pyod_anogan": lambda: AnoGAN(epochs=epochs or 500, epochs_query=min(epochs or 20, 20), verbose=0),
        "pyod_alad": lambda: ALAD(epochs=epochs or 200, verbose=0),
        "pyod_so_gaal": lambda: SO_GAAL(stop_epochs=epochs or 20),
        "pyod_mo_gaal": lambda: MO_GAAL(stop_epochs=epochs or 20),
    }
    flip = {"pyod_so_gaal", "pyod_mo_gaal"}
    with contextlib.redirect_stdout(io.StringIO()):  # the GAAL detectors print every epoch
        return {
            name: (-1 if name in flip else 1) * make().fit(train).decision_function(test)
            for name, make in detectors.items()
        }


def gan_scores(data: DigitsDataModule, args, seed: int, root: Path) -> dict[str, np.ndarray]:
    """f-AnoGAN, D-only and BiGAN scores of the test split after training on the normal digit."""
    test = data.split["test"]
    seed_everything(seed, verbose=False)
    wgan = WGANGP(
        data_shape=[1, 16, 16], latent_dim=32, architecture="conv", generator_width=16, critic_width=16
    )
    gan_trainer = trainer(args.gan_steps, root)
    gan_trainer.fit(wgan, data)
    gan_trainer.save_checkpoint(root / "wgan.ckpt")
    scores = {"d_only": anomaly.score_samples(wgan.eval(), test)}
    seed_everything(seed, verbose=False)
    encoder = IZIfEncoder(gan_ckpt=str(root / "wgan.ckpt"), encoder_width=16)
    trainer(args.encoder_steps, root).fit(encoder, data)
    scores["fanogan_izif"] = encoder.eval().anomaly_score(test)
    seed_everything(seed, verbose=False)
    bigan = BiGAN(
        data_shape=[1, 16, 16],
        latent_dim=32,
        generator_width=16,
        encoder_width=16,
        discriminator_width=16,
        joint_dim=128,
    )
    trainer(args.gan_steps, root).fit(bigan, data)
    scores["bigan"] = bigan.eval().anomaly_score(test)
    return {k: v.cpu().numpy() for k, v in scores.items()}


def auroc(scores: np.ndarray, is_anomaly: torch.Tensor) -> float:
    return float(anomaly.detection_metrics(torch.as_tensor(scores), is_anomaly)["auroc"])


def table(results: dict, digits: list[int]) -> str:
    """Markdown: one row per method, AUROC (mean over seeds) per normal digit and the mean over digits."""
    lines = [
        "| method | " + " | ".join(str(d) for d in digits) + " | mean |",
        "|---" * (len(digits) + 2) + "|",
    ]
    for method in [m for m in METHODS if m in results]:
        per_digit = [statistics.mean(results[method][str(d)]) for d in digits]
        cells = [f"{v:.3f}" for v in per_digit] + [f"**{statistics.mean(per_digit):.3f}**"]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--digits", type=int, nargs="+", default=list(range(10)))
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--gan_steps", type=int, default=1000)
    p.add_argument("--encoder_steps", type=int, default=1000)
    p.add_argument(
        "--pyod_epochs", type=int, default=None, help="replaces pyod's epoch counts (a quick check)"
    )
    p.add_argument(
        "--merge",
        nargs="+",
        default=None,
        help="results.json files of runs split by digit/seed (e.g. one process each): write their union to --out",
    )
    p.add_argument("--out", default=str(ROOT / "docs" / "bench_anomaly" / "results.json"))
    args = p.parse_args(argv)
    if args.merge:
        merge(args)
        return
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    results = {m: {str(d): [] for d in args.digits} for m in METHODS}
    start = time.time()
    for digit in args.digits:
        for seed in args.seeds:
            data = DigitsDataModule(image_size=16, batch_size=64, seed=seed, normal_classes=[digit])
            data.setup()
            split = data.split
            flat = {k: split[k].flatten(1).numpy().astype(np.float64) for k in ("train", "val", "test")}
            scores = classical_scores(flat["train"], flat["val"], flat["test"], seed)
            scores |= pyod_scores(flat["train"], flat["test"], seed, args.pyod_epochs)
            root = Path(tempfile.gettempdir()) / "lightning_gans_bench_anomaly" / f"d{digit}_s{seed}"
            scores |= gan_scores(data, args, seed, root)
            for method, s in scores.items():
                results[method][str(digit)].append(auroc(s, split["test_is_anomaly"]))
            print(
                f"digit {digit} seed {seed} ({time.time() - start:.0f}s): "
                + ", ".join(f"{m} {results[m][str(digit)][-1]:.3f}" for m in METHODS),
                flush=True,
            )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"args": vars(args), "auroc": results, "seconds": time.time() - start}, indent=1)
    )
    print(table(results, args.digits))
    print(target_line(results, args.digits))


def merge(args) -> None:
    """Writes the union of several runs' results to ``args.out`` and prints the table (runs in file order)."""
    results: dict = {}
    seeds: set[int] = set()
    seconds = 0.0
    for path in args.merge:
        part = json.loads(Path(path).read_text())
        seeds.update(part["args"]["seeds"])
        seconds += part["seconds"]
        for method, per_digit in part["auroc"].items():
            for digit, values in per_digit.items():
                results.setdefault(method, {}).setdefault(digit, []).extend(values)
    digits = sorted({int(d) for per_digit in results.values() for d in per_digit})
    merged_args = vars(args) | {"digits": digits, "seeds": sorted(seeds), "merged_from": len(args.merge)}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"args": merged_args, "auroc": results, "seconds": seconds}, indent=1))
    print(table(results, digits))
    print(target_line(results, digits))


def target_line(results: dict, digits: list[int]) -> str:
    """The issue's target: best of ours minus best non-GAN detector, mean AUROC over the digits, and per digit."""

    def mean_of(method: str) -> float:
        return statistics.mean(statistics.mean(results[method][str(d)]) for d in digits)

    best_ours = max([m for m in OURS if m in results], key=mean_of)
    best_classical = max([m for m in CLASSICAL if m in results], key=mean_of)
    gap = mean_of(best_ours) - mean_of(best_classical)
    per_digit = ", ".join(
        f"{d}: {statistics.mean(results[best_ours][str(d)]) - statistics.mean(results[best_classical][str(d)]):+.3f}"
        for d in digits
    )
    verdict = "met" if gap >= 0.02 else "missed"
    return (
        f"Target (best of ours >= best non-GAN detector + 0.02 mean AUROC): {verdict}. {best_ours} "
        f"{mean_of(best_ours):.3f} vs {best_classical} {mean_of(best_classical):.3f}: {gap:+.3f} "
        f"(per digit {per_digit})."
    )


if __name__ == "__main__":
    main()
