"""Anomaly detection: our GAN scores beside scikit-learn's and pyod's detectors, same run, same samples.

    python benchmarks/anomaly.py                       # the one-class digits: 10 digits x 3 seeds, prints the table
    python benchmarks/anomaly.py --digits 0 1 --seeds 0 --gan_steps 200 --encoder_steps 200   # a short check
    python benchmarks/anomaly.py --protocol many-normal --data mnist5k     # nine digits normal, each tenth in turn
    python benchmarks/anomaly.py --protocol one-class --data wine          # one cultivar normal in turn
    python benchmarks/anomaly.py --table rows.csv --label-column kind --normal 0 2   # any labelled table
    python benchmarks/anomaly.py --tiny --data wine --seeds 0              # seconds: does it run end to end

Protocols (``--protocol``; ``lightning_gans.data.one_class``): **one-class** (Deep SVDD): class c is normal;
**many-normal**: every class but c is normal, c is the anomaly (a multimodal normal class, the ODDS
``optdigits`` kind of set). Each class c in turn (``--digits``/``--classes``), or one setting with ``--normal``.
Every method trains on the normal classes' training samples of a fixed stratified 80/20 split less 10% held out
(``val``); AUROC on the whole test split. Anything chosen (KDE bandwidth, the combination's standardisation and
weights) is chosen on the held-out normal samples only, never on the test split.

Data (``--data``; ``benchmarks/anomaly_cases.py``): ``digits`` (the embedded 8x8 digits at 16x16, [-1, 1]; 360
test images), ``mnist5k`` (5,000 real MNIST digits at 32x32; 1,000 test images), ``wine`` (scikit-learn's
``load_wine``, 13 columns, 36 test rows), ``digits-table`` (the digits as 64-column rows, the same split), or
a table file (``--table FILE --label-column NAME``: numeric classes). Tables are standardised with the normal
training rows' statistics (``ArrayDataModule``). Methods, all on the same flattened samples:

- scikit-learn: ``IsolationForest``, ``OneClassSVM`` (RBF, gamma "scale", nu 0.1), ``LocalOutlierFactor``
  (novelty, 20 neighbours), PCA reconstruction error (components for 90% of the variance), ``KernelDensity``
  (Gaussian, bandwidth maximising the held-out normal log-likelihood);
- pyod (the ``bench`` dependency group), its defaults unless said: ``KNN`` (mean distance to the 5 nearest
  training samples: ADBench and Skvara et al. found k-NN hard to beat), ``ECOD``; ``AutoEncoder`` (50 epochs)
  and ``DeepSVDD`` (100 epochs), the deep one-class baselines; and its GAN-based detectors ``AnoGAN`` (500
  epochs), ``ALAD`` (200 epochs), ``SO_GAAL`` and ``MO_GAAL``. The two GAAL detectors return their
  discriminator's probability of a sample being *normal*, so their scores are negated (higher = more
  anomalous, like the rest);
- ours: f-AnoGAN (``WGANGP``, then ``IZIfEncoder``; score izi_f), the WGAN-GP critic alone (D-only), and
  ``BiGAN`` (EGBAD score), and ``ClusterGAN`` (K 10; score: izi_f's formula with ClusterGAN's own encoder,
  ``||x - G(E(x))||^2 + ||f_D(x) - f_D(G(E(x)))||^2``; ``--no_clustergan`` leaves it out), and
  ``critic_knn``: k-NN (mean Euclidean distance to the 5 nearest normal training samples, pyod's ``KNN`` rule)
  in the f-AnoGAN critic's feature space ``f_D`` (``anomaly.critic_knn_score``; fixed before any run, see
  docs/BENCHMARKS.md): conv nets (widths 16, latent 32) on images, MLPs (two hidden layers of 128, latent
  ``clip(D // 4, 2, 32)``) on tables, as ``configs/anomaly/table_*.yaml``. Lengths in generator steps
  (``--gan_steps``, ``--encoder_steps``);
- combinations (``lightning_gans.score_combination``; members fixed beforehand, not chosen on results):
  ``combo_ours`` = f-AnoGAN + BiGAN, ``combo_ours_knn`` = f-AnoGAN + BiGAN + k-NN, each score standardised by
  the median and IQR of its held-out normal scores, weights by ``--combination_rule`` (equal by default).

The target compares the best of ours (GAN scores and their combinations) with the best non-GAN detector
(scikit-learn's and pyod's KNN, ECOD, AutoEncoder, DeepSVDD): + 0.02 mean AUROC on the image sets, >= on tables.
Results: ``--out`` (JSON, every run's AUROC) and the same name with ``.table.txt``: markdown (the per-class
table and the target line), not named ``.md`` because docs/ holds only the site's pages. Not run here (see docs/BENCHMARKS.md): anomalib's Ganomaly, which needs an environment of its own
(anomalib pins a jsonargparse older than the project's lock).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
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
from pyod.models.knn import KNN
from pyod.models.mo_gaal import MO_GAAL
from pyod.models.so_gaal import SO_GAAL
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import KernelDensity, LocalOutlierFactor
from sklearn.svm import OneClassSVM

from lightning_gans import WGANGP, BiGAN, ClusterGAN, IZIfEncoder, anomaly
from lightning_gans.checkpoint import load_gan
from lightning_gans.data.one_class import PROTOCOLS
from lightning_gans.score_combination import RULES, combine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.anomaly_cases import DATA_CHOICES, IMAGE_SETS, Case, Source  # noqa: E402

CLASSICAL = [
    "isolation_forest",
    "ocsvm",
    "lof",
    "pca",
    "kde",
    "pyod_knn",
    "pyod_ecod",
    "pyod_autoencoder",
    "pyod_deep_svdd",
]
PYOD_GANS = ["pyod_anogan", "pyod_alad", "pyod_so_gaal", "pyod_mo_gaal"]
COMBINATIONS = {
    "combo_ours": ["fanogan_izif", "bigan"],
    "combo_ours_knn": ["fanogan_izif", "bigan", "pyod_knn"],
}
"""Members of each combination, fixed before any result was seen (choosing them on test AUROCs would be
selection on the test split)."""
OURS = ["fanogan_izif", "d_only", "critic_knn", "bigan", "clustergan", *COMBINATIONS]
METHODS = CLASSICAL + PYOD_GANS + OURS
GROUPS = ("classical", "pyod", "gans")


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


def classical_detectors(train: np.ndarray, val: np.ndarray, seed: int) -> dict:
    """Each scikit-learn detector and pyod's k-NN fitted on ``train`` ``(N, D)``, as a function from ``(M, D)``
    samples to ``(M,)`` scores, higher = more anomalous (scikit-learn's ``score_samples`` is the opposite, so it
    is negated). ``val`` (held-out normal samples) only picks the KDE bandwidth."""
    n_neighbors = min(20, len(train) - 1)  # wine's one-cultivar protocol has about 43 training rows
    forest = IsolationForest(random_state=seed).fit(train)
    ocsvm = OneClassSVM(gamma="scale", nu=0.1).fit(train)
    lof = LocalOutlierFactor(n_neighbors=n_neighbors, novelty=True).fit(train)
    knn = KNN(n_neighbors=min(5, len(train) - 1), method="mean").fit(train)
    pca = PCA(n_components=0.9, random_state=seed).fit(train)
    bandwidths = np.logspace(-1, 1.5, 12)
    best = max(bandwidths, key=lambda b: KernelDensity(bandwidth=b).fit(train).score(val))  # held-out normal
    kde = KernelDensity(bandwidth=best).fit(train)
    return {
        "isolation_forest": lambda x: -forest.score_samples(x),
        "ocsvm": lambda x: -ocsvm.score_samples(x),
        "lof": lambda x: -lof.score_samples(x),
        "pca": lambda x: ((x - pca.inverse_transform(pca.transform(x))) ** 2).sum(1),
        "kde": lambda x: -kde.score_samples(x),
        "pyod_knn": knn.decision_function,
    }


def classical_scores(
    train: np.ndarray, val: np.ndarray, test: np.ndarray, seed: int
) -> dict[str, np.ndarray]:
    """``(N_test,)`` scores per scikit-learn detector and pyod's k-NN (``classical_detectors``)."""
    return {name: score(test) for name, score in classical_detectors(train, val, seed).items()}


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


def table_latent_dim(features: int) -> int:
    """The MLP GANs' latent size on a table of ``features`` columns (wine 13 -> 3, digits-table 64 -> 16)."""
    return int(np.clip(features // 4, 2, 32))


TABLE_NETS = {"architecture": "mlp", "hidden_dims": (128, 128)}


def build_wgan(case: Case) -> WGANGP:
    """f-AnoGAN's WGAN-GP: conv (widths 16, latent 32) on images, an MLP on tables."""
    if case.is_table:
        (features,) = case.data_shape
        return WGANGP(data_shape=[features], latent_dim=table_latent_dim(features), **TABLE_NETS)
    return WGANGP(
        data_shape=list(case.data_shape),
        latent_dim=32,
        architecture="conv",
        generator_width=16,
        critic_width=16,
    )


def build_bigan(case: Case) -> BiGAN:
    """The BiGAN: conv (widths 16, latent 32, joint 128) on images, an MLP on tables."""
    if case.is_table:
        (features,) = case.data_shape
        return BiGAN(data_shape=[features], latent_dim=table_latent_dim(features), **TABLE_NETS)
    return BiGAN(
        data_shape=list(case.data_shape),
        latent_dim=32,
        generator_width=16,
        encoder_width=16,
        discriminator_width=16,
        joint_dim=128,
    )


CLUSTERS = 10
"""ClusterGAN's K on every data set, fixed beforehand (the digits' 10 classes; not tuned per protocol)."""


def build_clustergan(case: Case) -> ClusterGAN:
    """ClusterGAN (K = ``CLUSTERS``): conv nets (widths 16, noise part 32) on images, the MLPs on tables."""
    if case.is_table:
        (features,) = case.data_shape
        return ClusterGAN(
            data_shape=[features], latent_dim=table_latent_dim(features), num_clusters=CLUSTERS, **TABLE_NETS
        )
    return ClusterGAN(
        data_shape=list(case.data_shape),
        latent_dim=32,
        num_clusters=CLUSTERS,
        architecture="conv",
        generator_width=16,
        critic_width=16,
        encoder_width=16,
    )


@torch.no_grad()
def clustergan_score(model: ClusterGAN, x: torch.Tensor) -> torch.Tensor:
    """``(N, *data_shape)`` -> ``(N,)``: f-AnoGAN's izi_f score with ClusterGAN's own encoder in place of izi_f's,
    ``||x - G(E(x))||^2 + ||f_D(x) - f_D(G(E(x)))||^2`` (``anomaly.izif_score``, kappa 1; D in eval mode)."""
    model.eval()
    x_rec = model.reconstruct(x)
    features = model.discriminator.features
    return anomaly.izif_score(x, x_rec, features(x), features(x_rec))


def build_encoder(case: Case, gan_ckpt: Path) -> IZIfEncoder:
    """The izi_f encoder of f-AnoGAN for the WGAN-GP saved at ``gan_ckpt``."""
    nets = {"hidden_dims": TABLE_NETS["hidden_dims"]} if case.is_table else {"encoder_width": 16}
    return IZIfEncoder(gan_ckpt=str(gan_ckpt), **nets)


def gan_scores(
    case: Case, args, seed: int, root: Path
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """f-AnoGAN, D-only, critic k-NN, BiGAN and ClusterGAN scores of the test split and of the held-out normal samples (``(N_test,)``
    and ``(N_val,)`` per method) after training on the normal classes."""
    parts = {"test": case.split["test"], "val": case.split["val"]}
    scores: dict[str, dict[str, torch.Tensor]] = {"test": {}, "val": {}}
    seed_everything(
        seed, verbose=False
    )  # each model seeded before it is built, in the order of issue 11's runs
    wgan = build_wgan(case)
    gan_trainer = trainer(args.gan_steps, root)
    gan_trainer.fit(wgan, case.data)
    gan_trainer.save_checkpoint(root / "wgan.ckpt")
    seed_everything(seed, verbose=False)
    encoder = build_encoder(case, root / "wgan.ckpt")
    trainer(args.encoder_steps, root).fit(encoder, case.data)
    seed_everything(seed, verbose=False)
    bigan = None
    if not args.no_bigan:
        bigan = build_bigan(case)
        trainer(args.gan_steps, root).fit(bigan, case.data)
    clustergan = None
    if not args.no_clustergan:
        seed_everything(seed, verbose=False)
        clustergan = build_clustergan(case)
        trainer(args.gan_steps, root).fit(clustergan, case.data)
    for part, x in parts.items():
        scores[part] |= critic_scores(wgan.eval(), case.split["train"], x)
        scores[part]["fanogan_izif"] = encoder.eval().anomaly_score(x)
        if bigan is not None:
            scores[part]["bigan"] = bigan.eval().anomaly_score(x)
        if clustergan is not None:
            scores[part]["clustergan"] = clustergan_score(clustergan, x)
    return tuple({k: v.cpu().numpy() for k, v in scores[part].items()} for part in ("test", "val"))


def critic_scores(wgan: WGANGP, normal_train: torch.Tensor, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """The two scores of the trained critic alone, ``(N,)`` each for ``x``: ``d_only`` (its negated output) and
    ``critic_knn`` (k-NN in its features, against the ``normal_train`` samples it was trained on)."""
    return {
        "d_only": anomaly.score_samples(wgan, x),
        "critic_knn": anomaly.critic_knn_score(wgan.discriminator, normal_train, x),
    }


def reused_critic_scores(case: Case, ckpt: Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The critic's scores (``d_only``, ``critic_knn``) of the test split and the held-out normal samples from
    the WGAN-GP a previous run saved at ``ckpt`` (``--reuse_wgan``): a new critic score without retraining."""
    wgan = load_gan(ckpt).eval()
    return tuple(
        {k: v.cpu().numpy() for k, v in critic_scores(wgan, case.split["train"], case.split[part]).items()}
        for part in ("test", "val")
    )


def combined_scores(
    test: dict[str, np.ndarray], val: dict[str, np.ndarray], rule: str
) -> dict[str, np.ndarray]:
    """``(N_test,)`` scores of each combination whose members were all run, standardised and weighted on the
    held-out normal scores ``val`` only."""
    return {
        name: combine({m: test[m] for m in members}, {m: val[m] for m in members}, rule)
        for name, members in COMBINATIONS.items()
        if all(m in test and m in val for m in members)
    }


def auroc(scores: np.ndarray, is_anomaly: torch.Tensor) -> float:
    return float(anomaly.detection_metrics(torch.as_tensor(scores), is_anomaly)["auroc"])


CLASS_MEANING = {
    "one-class": "each column: the normal class",
    "many-normal": "each column: the anomalous class, every other class normal",
}


def table(results: dict, keys: list[str], protocol: str = "one-class") -> str:
    """Markdown: one row per method, AUROC (mean over seeds) per class of the protocol and the mean over them."""
    lines = [
        f"AUROC, mean over seeds ({CLASS_MEANING.get(protocol, protocol)}):",
        "",
        "| method | " + " | ".join(keys) + " | mean |",
        "|---" * (len(keys) + 2) + "|",
    ]
    for method in [m for m in METHODS if m in results]:
        runs = results[method]
        per_class = [statistics.mean(runs[k]) for k in keys if runs.get(k)]
        cells = [f"{statistics.mean(runs[k]):.3f}" if runs.get(k) else "-" for k in keys]
        mean = f"**{statistics.mean(per_class):.3f}**"
        if len(per_class) < len(keys):  # a method run on some classes only: its mean is not comparable
            mean = f"{statistics.mean(per_class):.3f} ({len(per_class)} of {len(keys)})"
        lines.append(f"| {method} | " + " | ".join(cells + [mean]) + " |")
    return "\n".join(lines)


def target_margin(data: str) -> float:
    """The issue's margin over the best classical detector: 0.02 on the image sets, 0 on tables."""
    return 0.02 if data in IMAGE_SETS else 0.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--protocol", choices=PROTOCOLS, default="one-class")
    p.add_argument(
        "--data", default="digits", help=f"one of {', '.join(DATA_CHOICES)}, or a labelled table file"
    )
    p.add_argument("--table", default=None, help="a labelled .csv/.npy/.pt table (replaces --data)")
    p.add_argument("--label-column", "--label_column", dest="label_column", default=None)
    p.add_argument(
        "--normal",
        type=int,
        nargs="+",
        default=None,
        help="one setting with these classes normal (the rest anomalies), instead of each class in turn",
    )
    p.add_argument(
        "--digits", "--classes", dest="digits", type=int, nargs="+", default=None, help="default: every class"
    )
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--gan_steps", type=int, default=None, help="default 1000 (2 with --tiny)")
    p.add_argument("--encoder_steps", type=int, default=None, help="default 1000 (2 with --tiny)")
    p.add_argument(
        "--pyod_epochs", type=int, default=None, help="replaces pyod's epoch counts (a quick check)"
    )
    p.add_argument("--image_size", type=int, default=None, help="default 16 (digits), 32 (mnist5k)")
    p.add_argument("--combination_rule", choices=RULES, default="equal")
    p.add_argument(
        "--no_clustergan",
        action="store_true",
        help="leave out ClusterGAN's encoder score (the one-class digits table of issue 11 was run without it)",
    )
    p.add_argument(
        "--no_bigan",
        action="store_true",
        help="leave out the BiGAN (and the combinations with it): f-AnoGAN's WGAN-GP and encoder only, "
        "with --no_clustergan, where four GANs per class do not fit the CPU budget",
    )
    p.add_argument(
        "--groups",
        nargs="+",
        choices=GROUPS,
        default=list(GROUPS),
        help="which detectors: scikit-learn + k-NN (classical), pyod's trained ones (pyod), ours (gans)",
    )
    p.add_argument(
        "--reuse_wgan",
        default=None,
        help="a folder of earlier runs' <data>_<protocol>_<class>_s<seed>/wgan.ckpt (the run's temporary folder): "
        "scores only critic_knn from those critics, trains nothing; its d_only is printed to check the critic "
        "is the earlier run's. Merge the result with that run's JSON",
    )
    p.add_argument(
        "--tiny", action="store_true", help="2 GAN/encoder steps and 1 pyod epoch: runs end to end in seconds"
    )
    p.add_argument(
        "--merge",
        nargs="+",
        default=None,
        help="results.json files of runs split by class/seed (e.g. one process each): write their union to --out",
    )
    p.add_argument(
        "--out",
        default=None,
        help="default docs/bench_anomaly/results.json (one-class digits) or "
        "docs/bench_anomaly/<data>_<protocol>.json",
    )
    args = p.parse_args(argv)
    if args.table is not None:
        args.data = args.table
    if args.label_column is not None and args.label_column.lstrip("-").isdigit():
        args.label_column = int(args.label_column)
    budget = 2 if args.tiny else 1000
    args.gan_steps = budget if args.gan_steps is None else args.gan_steps
    args.encoder_steps = budget if args.encoder_steps is None else args.encoder_steps
    if args.tiny and args.pyod_epochs is None:
        args.pyod_epochs = 1
    if args.out is None:
        name = "results" if (args.data, args.protocol) == ("digits", "one-class") else None
        name = name or f"{Path(args.data).stem}_{args.protocol.replace('-', '_')}"
        args.out = str(ROOT / "docs" / "bench_anomaly" / f"{name}.json")
    return args


def settings(source: Source, args) -> list[tuple[str, list[int]]]:
    """``(key, normal_classes)`` per setting: each asked-for class in turn under the protocol, or ``--normal``."""
    if args.normal is not None:
        return [("normal " + " ".join(str(c) for c in sorted(args.normal)), sorted(args.normal))]
    return [(str(c), source.normal_classes(c)) for c in (args.digits or source.classes)]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.merge:
        merge(args)
        return
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    source = Source(args.data, args.protocol, args.label_column, args.image_size)
    cases = settings(source, args)
    keys = [key for key, _ in cases]
    results: dict = {}
    start = time.time()
    for key, normal_classes in cases:
        for seed in args.seeds:
            case = source.case(key, normal_classes, seed)
            flat = case.flat
            scores, val_scores = {}, {}
            if "classical" in args.groups:
                for name, score in classical_detectors(flat["train"], flat["val"], seed).items():
                    scores[name], val_scores[name] = score(flat["test"]), score(flat["val"])
            if "pyod" in args.groups:
                scores |= pyod_scores(flat["train"], flat["test"], seed, args.pyod_epochs)
            root = (
                Path(tempfile.gettempdir())
                / "lightning_gans_bench_anomaly"
                / f"{Path(args.data).stem}_{args.protocol}_{key.replace(' ', '_')}_s{seed}"
            )
            if args.reuse_wgan is not None:
                reused, _ = reused_critic_scores(case, Path(args.reuse_wgan) / root.name / "wgan.ckpt")
                check = auroc(reused.pop("d_only"), case.split["test_is_anomaly"])
                print(
                    f"reused critic of {root.name}: d_only AUROC {check:.3f} (the earlier run's)", flush=True
                )
                scores |= reused
            elif "gans" in args.groups:
                gan_test, gan_val = gan_scores(case, args, seed, root)
                scores |= gan_test
                val_scores |= gan_val
                scores |= combined_scores(scores, val_scores, args.combination_rule)
            for method, s in scores.items():
                per_class = results.setdefault(method, {k: [] for k in keys})
                per_class[key].append(auroc(s, case.split["test_is_anomaly"]))
            print(
                f"{args.protocol} {Path(args.data).stem} {key} seed {seed} ({time.time() - start:.0f}s): "
                + ", ".join(f"{m} {results[m][key][-1]:.3f}" for m in METHODS if m in scores),
                flush=True,
            )
        done = keys[: keys.index(key) + 1]  # written after every class: a run cut off keeps what finished
        report(args, vars(args) | {"digits": done}, results, done, time.time() - start, echo=key == keys[-1])


def report(args, run_args: dict, results: dict, keys: list[str], seconds: float, echo: bool = True) -> None:
    """Writes ``args.out`` (JSON) and its ``.table.txt`` twin (markdown) (table and target line) for the classes
    ``keys``, and prints the latter when ``echo``."""
    results = {m: {k: per_class[k] for k in keys if k in per_class} for m, per_class in results.items()}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"args": run_args, "auroc": results, "seconds": seconds}, indent=1))
    protocol, data = run_args.get("protocol", "one-class"), run_args.get("data", "digits")
    text = table(results, keys, protocol) + "\n\n" + target_line(results, keys, target_margin(data))
    out.with_suffix(".table.txt").write_text(text + "\n")
    if echo:
        print(text)


def merge(args) -> None:
    """Writes the union of several runs' results to ``args.out`` and prints the table (runs in file order)."""
    results: dict = {}
    seeds: set[int] = set()
    seconds = 0.0
    first_args: dict = {}
    for path in args.merge:
        part = json.loads(Path(path).read_text())
        first_args = first_args or part["args"]
        seeds.update(part["args"]["seeds"])
        seconds += part["seconds"]
        for method, per_class in part["auroc"].items():
            for key, values in per_class.items():
                results.setdefault(method, {}).setdefault(key, []).extend(values)
    keys = sorted(
        {k for per_class in results.values() for k in per_class},
        key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k),
    )
    protocol = first_args.get("protocol", "one-class")
    data = first_args.get("data", "digits")
    merged_args = vars(args) | {
        "digits": keys,
        "seeds": sorted(seeds),
        "merged_from": len(args.merge),
        "protocol": protocol,
        "data": data,
    }
    report(args, merged_args, results, keys, seconds)


def target_line(results: dict, keys: list[str], margin: float = 0.02) -> str:
    """The issue's target: best of ours minus best non-GAN detector, mean AUROC over the classes, and per class."""

    def mean_of(method: str) -> float:
        return statistics.mean(statistics.mean(results[method][k]) for k in keys)

    def complete(method: str) -> bool:
        return method in results and all(results[method].get(k) for k in keys)

    ours, classical = [m for m in OURS if complete(m)], [m for m in CLASSICAL if complete(m)]
    if not ours or not classical:
        return "Target: not measured (this run has no GAN scores or no classical detector)."
    best_ours, best_classical = max(ours, key=mean_of), max(classical, key=mean_of)
    gap = mean_of(best_ours) - mean_of(best_classical)
    per_class = ", ".join(
        f"{k}: {statistics.mean(results[best_ours][k]) - statistics.mean(results[best_classical][k]):+.3f}"
        for k in keys
    )
    verdict = "met" if gap >= margin - 1e-12 else "missed"
    wanted = f"+ {margin:.2f}" if margin else "(level or above)"
    return (
        f"Target (best of ours >= best non-GAN detector {wanted} mean AUROC): {verdict}. {best_ours} "
        f"{mean_of(best_ours):.3f} vs {best_classical} {mean_of(best_classical):.3f}: {gap:+.3f} "
        f"(per class {per_class})."
    )


if __name__ == "__main__":
    main()
