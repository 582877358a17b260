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
- ours: f-AnoGAN (``WGANGP`` conv, then ``IZIfEncoder``; score izi_f), the WGAN-GP critic alone (D-only), and
  ``BiGAN`` (conv; EGBAD score). Lengths in generator steps (``--gan_steps``, ``--encoder_steps``).
Not run here (see docs/BENCHMARKS.md): pyod's detectors and anomalib's Ganomaly.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from lightning.pytorch import Trainer, seed_everything
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import KernelDensity, LocalOutlierFactor
from sklearn.svm import OneClassSVM

from lightning_gans import WGANGP, BiGAN, DigitsDataModule, IZIfEncoder, anomaly

ROOT = Path(__file__).resolve().parents[1]
CLASSICAL = ["isolation_forest", "ocsvm", "lof", "pca", "kde"]
OURS = ["fanogan_izif", "d_only", "bigan"]


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
    for method in CLASSICAL + OURS:
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
    p.add_argument("--out", default=str(ROOT / "docs" / "bench_anomaly" / "results.json"))
    args = p.parse_args(argv)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    results = {m: {str(d): [] for d in args.digits} for m in CLASSICAL + OURS}
    start = time.time()
    for digit in args.digits:
        for seed in args.seeds:
            data = DigitsDataModule(image_size=16, batch_size=64, seed=seed, normal_classes=[digit])
            data.setup()
            split = data.split
            flat = {k: split[k].flatten(1).numpy().astype(np.float64) for k in ("train", "val", "test")}
            scores = classical_scores(flat["train"], flat["val"], flat["test"], seed)
            root = Path(tempfile.gettempdir()) / "lightning_gans_bench_anomaly" / f"d{digit}_s{seed}"
            scores |= gan_scores(data, args, seed, root)
            for method, s in scores.items():
                results[method][str(digit)].append(auroc(s, split["test_is_anomaly"]))
            print(
                f"digit {digit} seed {seed} ({time.time() - start:.0f}s): "
                + ", ".join(f"{m} {results[m][str(digit)][-1]:.3f}" for m in CLASSICAL + OURS),
                flush=True,
            )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"args": vars(args), "auroc": results, "seconds": time.time() - start}, indent=1)
    )
    print(table(results, args.digits))


if __name__ == "__main__":
    main()
