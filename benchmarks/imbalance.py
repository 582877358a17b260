"""Does GAN augmentation help a classifier on imbalanced digits, compared with what practitioners already use?

    python benchmarks/imbalance.py                 # the first table: digits, CNN, 5 seeds -> docs/BENCHMARKS.md
    python benchmarks/imbalance.py --quick         # 1 seed, tiny budgets, no doc (a smoke run)
    make bench-imbalance                           # the second table (issue 25): digits and MNIST-5k, CNN and
                                                   # logistic regression, one process per (data, seed), then --merge
    python benchmarks/imbalance.py --merge runs/bench_imbalance2/*/results.json --out docs/bench_imbalance

Protocol. ``--data``: the digits or MNIST-5k (``lightning_gans.data.mnist5k``, 4,000 training / 1,000 test real
MNIST digits), both at 16x16, training split made imbalanced by the ``step`` protocol (classes 1, 3, 5, 7, 9 keep
1 in 10 images, ``lightning_gans.data.imbalance``); the balanced test split (360 / 1,000 images) scores every arm.
Fixed downstream classifiers (``--classifier``), the same in every arm: ``cnn``, ``SmallCNN`` trained for
``--classifier_steps`` Adam steps on batches drawn uniformly from that arm's training set; ``logreg``, a weak one
(balancing matters more for weak classifiers, Elor & Averbuch-Elor 2022): scikit-learn's ``LogisticRegression``
(lbfgs, ``C=1``, ``max_iter=--logreg_iter``) on the flattened pixels. The arms (``--arms``):

- ``none``: the imbalanced split as it is; ``class_weights``: the same with class-weighted cross-entropy
  (``sklearn.utils.class_weight.compute_class_weight("balanced")``; ``class_weight="balanced"`` for ``logreg``);
- ``random_oversampler`` / ``smote``: imbalanced-learn's ``RandomOverSampler`` / ``SMOTE(k_neighbors=5)`` on the
  flattened pixels (``fit_resample``, training split only);
- ``gan_per_class``: one unconditional DCGAN per minority class, trained on that class's images only, tops it up;
- ``cgan`` / ``cgan_acgan``: one class-conditional DCGAN (projection discriminator; the second with the ACGAN head,
  ``ac_weight`` 1) on the whole imbalanced split, ``fake_labels: data``; ``sample --balance`` style top-up;
- ``cgan_plus_ros`` (issue 25): RandomOverSampler's balanced set **plus** ``round(--gan_share * n_max)``
  generated images of *every* class (``n_max``: the largest class), from the ACGAN-headed conditional GAN of
  ``cgan_acgan`` (the better conditional GAN of the first table; trained once per data set and seed, shared by
  every cGAN arm). With the default ``--gan_share 0.5`` each class holds ``n_max`` real images or duplicates and
  ``n_max / 2`` generated ones: real-or-duplicate to generated 2:1, the classes stay balanced, and every class has
  generated images (so "looks generated" does not mean "minority class");
- ``cgan_filtered`` (issue 25): the same mix as ``cgan_plus_ros``, but a generated image is kept only when a
  classifier trained on the real imbalanced training split only (the ``SmallCNN`` of the ``none`` arm, for both
  downstream classifiers) gives its asked-for class a probability at least that class's threshold: the
  ``--filter_quantile`` (0.1) quantile of the true-class probability over the real training images of the class
  (``lightning_gans.sampling.confidence``). Candidates are drawn in rounds until each class has its count or
  ``--filter_rounds`` rounds are spent (then the class keeps those that passed; acceptance rates are recorded);
- ``bagan`` (issue 25): BAGAN (Mariani et al. 2018) as built in ``lightning_gans.modules.bagan``: an autoencoder
  (encoder: the discriminator's trunk and a linear code layer; decoder: the conditional generator) trained for
  ``--ae_steps`` Adam(1e-3) steps on *all* classes of the imbalanced split, then the conditional GAN started from
  it (generator = decoder, discriminator trunk = encoder trunk; ACGAN head, ``fake_labels: data``, the cGAN's
  widths, EMA and ``--gan_steps``), its latents drawn from one Gaussian per class fitted to the encoder's codes
  (covariance ridge 0.01 of the mean variance). BAGAN's own protocol: its samples top every class up to the
  largest class on the imbalanced split; trained once per data set and seed, shared by the three arms;
- ``bagan_plus_ros`` / ``bagan_filtered``: ``cgan_plus_ros`` / ``cgan_filtered`` with the BAGAN's samples;
- ``oracle``: the removed real images put back (the balanced split).

Every top-up GAN arm fills each class up to the largest class. Metrics: balanced accuracy (= mean per-class
recall), geometric mean (``imblearn.metrics.geometric_mean_score``), macro-F1, minority recall (mean recall of the
five reduced classes); mean ± sd over seeds, and each arm's balanced accuracy paired with ``random_oversampler`` on
the same data set, classifier and seed (mean ± sd of the per-seed difference; ``--merge`` also combines processes
that ran other arms of the same data set and seed, after checking that the arms both ran scored the same).
GAN-train / GAN-test (Shmelkov et al. 2018) for the conditional GANs and the BAGAN, with the CNN: balanced accuracy on the real test split of the classifier trained on
generated images only (one per class as many as the balanced split has), and the accuracy of the oracle classifier
on generated images with their requested labels.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import SMOTE, RandomOverSampler
from lightning.pytorch import Trainer, seed_everything
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score
from sklearn.utils.class_weight import compute_class_weight
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lightning_gans import DCGAN, DigitsDataModule, MNIST5kDataModule
from lightning_gans.data.digits import NUM_CLASSES
from lightning_gans.data.imbalance import STEP_MINORITY_CLASSES
from lightning_gans.modules.bagan import BAGAN
from lightning_gans.sampling import class_thresholds, confidence_filter

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- imbalance:start -->", "<!-- imbalance:end -->"
START2, END2 = "<!-- imbalance2:start -->", "<!-- imbalance2:end -->"
DATA = {"digits": DigitsDataModule, "mnist5k": MNIST5kDataModule}
CLASSIFIERS = ("cnn", "logreg")
FIRST_ARMS = [  # the first table (digits, CNN): the default of a run without --arms
    "none",
    "class_weights",
    "random_oversampler",
    "smote",
    "gan_per_class",
    "cgan",
    "cgan_acgan",
    "oracle",
]
BAGAN_ARMS = ["bagan", "bagan_plus_ros", "bagan_filtered"]
ARMS = FIRST_ARMS[:-1] + [
    "cgan_plus_ros",
    "cgan_filtered",
    *BAGAN_ARMS,
    "oracle",
]  # every arm, in table order
GAN_ARMS = ("gan_per_class", "cgan", "cgan_acgan", "cgan_plus_ros", "cgan_filtered", *BAGAN_ARMS)
CGAN_AC_WEIGHT = {"cgan": 0.0, "cgan_acgan": 1.0}
NEW_ARMS_GAN = "cgan_acgan"  # the conditional GAN the issue-25 arms draw from
# the GAN each "*_plus_ros" / "*_filtered" arm draws from, and the key prefix of its filter's records
MIX_ARMS = {
    "cgan_plus_ros": NEW_ARMS_GAN,
    "cgan_filtered": NEW_ARMS_GAN,
    "bagan_plus_ros": "bagan",
    "bagan_filtered": "bagan",
}
FILTER_PREFIX = {NEW_ARMS_GAN: "", "bagan": "bagan_"}  # "" keeps the cGAN filter's keys of earlier results
IMAGE_SIZE = 16
TRAINER = dict(
    accelerator="cpu",
    logger=False,
    enable_checkpointing=False,
    enable_progress_bar=False,
    enable_model_summary=False,
)


class SmallCNN(nn.Module):
    """The fixed downstream classifier: ``(N, 1, 16, 16)`` in [-1, 1] -> ``(N, 10)`` logits."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * 4 * 4, NUM_CLASSES),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def train_classifier(
    x: torch.Tensor, y: torch.Tensor, seed: int, steps: int, class_weight: torch.Tensor | None = None
) -> SmallCNN:
    """``steps`` Adam(1e-3) steps of batches of 64 drawn uniformly (with replacement) from ``(x, y)``."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = SmallCNN()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(steps):
        idx = torch.randint(len(x), (64,), generator=generator)
        loss = F.cross_entropy(net(x[idx]), y[idx], weight=class_weight)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return net.eval()


@torch.no_grad()
def predict(net: nn.Module, x: torch.Tensor) -> np.ndarray:
    return torch.cat([net(chunk).argmax(1) for chunk in x.split(500)]).numpy()


@torch.no_grad()
def probabilities(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``(N, 10)`` softmax of the classifier's logits."""
    return torch.cat([net(chunk).softmax(1) for chunk in x.split(500)])


def train_logreg(
    x: torch.Tensor, y: torch.Tensor, max_iter: int, balanced: bool = False
) -> Callable[[torch.Tensor], np.ndarray]:
    """Logistic regression on the flattened pixels; returns its ``predict`` on ``(N, 1, S, S)`` images.

    lbfgs is deterministic, so no seed; ``max_iter`` is fixed for every arm and a run that stops there is part
    of the protocol (its ConvergenceWarning is silenced)."""
    model = LogisticRegression(max_iter=max_iter, class_weight="balanced" if balanced else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x.flatten(1).numpy(), y.numpy())
    return lambda images: model.predict(images.flatten(1).numpy())


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    recall = recall_score(y_true, y_pred, average=None, labels=list(range(NUM_CLASSES)), zero_division=0)
    return {
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "g_mean": float(geometric_mean_score(y_true, y_pred, average="multiclass")),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro")),
        "minority_recall": float(np.mean([recall[c] for c in STEP_MINORITY_CLASSES])),
    }


def top_up_counts(y: torch.Tensor) -> list[int]:
    """Images each class needs to reach the largest class."""
    counts = torch.bincount(y, minlength=NUM_CLASSES)
    return (counts.max() - counts).tolist()


@torch.no_grad()
def generate(model: DCGAN, labels: torch.Tensor, seed: int) -> torch.Tensor:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        z = model.sample_noise(len(labels))
    return torch.cat(
        [model.sample(z=zc, labels=yc) for zc, yc in zip(z.split(500), labels.split(500), strict=True)]
    )


def data_module(name: str, **kwargs) -> DigitsDataModule | MNIST5kDataModule:
    return DATA[name](image_size=IMAGE_SIZE, imbalance="step", **kwargs)


CGAN_NETS = dict(
    data_shape=[1, IMAGE_SIZE, IMAGE_SIZE],
    latent_dim=32,
    generator_width=32,
    discriminator_width=32,
    num_classes=NUM_CLASSES,
    fake_labels="data",
)
"""The conditional GANs' networks, shared by the cGAN arms and the BAGAN-style arms (only the start differs)."""


def train_cgan(data: str, seed: int, steps: int, ac_weight: float) -> DCGAN:
    seed_everything(seed)
    model = DCGAN(**CGAN_NETS, ac_weight=ac_weight)
    Trainer(max_steps=steps, **TRAINER).fit(model, data_module(data, batch_size=64, seed=seed))
    return model.eval()


def train_bagan(
    data: str, seed: int, x: torch.Tensor, y: torch.Tensor, steps: int, ae_steps: int
) -> tuple[BAGAN, dict]:
    """The BAGAN-style GAN (``lightning_gans.modules.bagan``) of one data set and seed: the autoencoder on the
    whole imbalanced training split ``(x, y)``, then ``steps`` generator steps of the conditional GAN it starts,
    with the cGAN's networks, widths, EMA and ``fake_labels: data``. Returns the model and the autoencoder's
    training-side record (mean loss of its first and last 50 steps)."""
    seed_everything(seed)
    model = BAGAN(**CGAN_NETS, ac_weight=1.0)
    losses = model.init_from_autoencoder(x, y, ae_steps)["losses"]
    record = {"ae_loss_first": statistics.mean(losses[:50]), "ae_loss_last": statistics.mean(losses[-50:])}
    Trainer(max_steps=steps, **TRAINER).fit(model, data_module(data, batch_size=64, seed=seed))
    return model.eval(), record


def gan_per_class(
    x: torch.Tensor, y: torch.Tensor, seed: int, steps: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """One unconditional DCGAN per class that needs images, trained on that class alone; its top-up samples."""
    new_x, new_y = [], []
    for c, need in enumerate(top_up_counts(y)):
        if need == 0:
            continue
        members = x[y == c]
        seed_everything(seed * 100 + c)
        model = DCGAN(
            data_shape=[1, IMAGE_SIZE, IMAGE_SIZE], latent_dim=32, generator_width=32, discriminator_width=32
        )
        batch = min(len(members), 64)
        loader = DataLoader(TensorDataset(members), batch_size=batch, shuffle=True, drop_last=True)
        Trainer(max_steps=steps, **TRAINER).fit(model, train_dataloaders=loader)
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            new_x.append(model.eval().sample(need))
        new_y.append(torch.full((need,), c))
    return torch.cat(new_x), torch.cat(new_y)


def filtered_samples(
    model: DCGAN, need: list[int], filter_net: nn.Module, thresholds: torch.Tensor, seed: int, rounds: int
) -> tuple[torch.Tensor, torch.Tensor, dict]:
    """``need[c]`` generated images of each class that pass the confidence filter, drawn in rounds of twice
    what is still missing; after ``rounds`` rounds a class keeps what passed. Returns the images, their labels and
    ``{"acceptance": passed / drawn, "shortfall": images missing}``."""
    kept_x, kept_y = [], []
    missing = torch.tensor(need)
    drawn = passed = 0
    for r in range(rounds):
        if missing.sum() == 0:
            break
        asked = torch.arange(NUM_CLASSES).repeat_interleave(2 * missing)
        candidates = generate(model, asked, seed * 1000 + r)
        x, y = confidence_filter(candidates, asked, probabilities(filter_net, candidates), thresholds)
        drawn, passed = drawn + len(asked), passed + len(y)
        for c in range(NUM_CLASSES):
            take = (y == c).nonzero().flatten()[: int(missing[c])]
            kept_x.append(x[take])
            kept_y.append(y[take])
            missing[c] -= len(take)
    info = {"acceptance": passed / max(drawn, 1), "shortfall": int(missing.sum())}
    return torch.cat(kept_x), torch.cat(kept_y), info


def run_seed(data: str, seed: int, args: argparse.Namespace) -> dict:
    """Every arm of ``args.arms`` with every classifier of ``args.classifier`` on one data set and seed.

    Returns ``{"arms": {classifier: {arm: scores}}, "extra": {...}, "cpu_s": float}``."""
    cpu_start = time.process_time()
    dm = data_module(data)
    dm.setup()
    split = dm.split
    x, y = split["train"], split["train_labels"]
    x_test, y_test = split["test"], split["test_labels"].numpy()
    flat = x.flatten(1).numpy()
    arms = [a for a in ARMS if a in args.arms]
    results: dict[str, dict[str, dict]] = {c: {} for c in args.classifier}
    extra: dict[str, float] = {}
    nets: dict[str, nn.Module] = {}  # CNNs later parts reuse: the none arm's (the filter), the oracle's

    def score(name: str, train_x: torch.Tensor, train_y: torch.Tensor, balanced: bool = False) -> None:
        for kind in args.classifier:
            start = time.process_time()
            if kind == "cnn":
                weight = None
                if balanced:
                    w = compute_class_weight("balanced", classes=np.arange(NUM_CLASSES), y=train_y.numpy())
                    weight = torch.tensor(w, dtype=torch.float)
                net = nets[name] = train_classifier(train_x, train_y, seed, args.classifier_steps, weight)
                y_pred = predict(net, x_test)
            else:
                y_pred = train_logreg(train_x, train_y, args.logreg_iter, balanced)(x_test)
            results[kind][name] = scores(y_test, y_pred) | {"cpu_s": round(time.process_time() - start, 1)}
            print(f"{data} seed {seed} {kind} {name}: {results[kind][name]}", flush=True)

    def cnn(name: str, train_x: torch.Tensor, train_y: torch.Tensor) -> nn.Module:
        """The CNN of arm ``name`` (trained again, deterministically, when ``cnn`` is not a classifier)."""
        if name not in nets:
            nets[name] = train_classifier(train_x, train_y, seed, args.classifier_steps)
        return nets[name]

    oracle_x, oracle_y = torch.cat([x, split["removed"]]), torch.cat([y, split["removed_labels"]])
    ros_x, ros_y = RandomOverSampler(random_state=seed).fit_resample(flat, y.numpy())
    ros_x, ros_y = torch.from_numpy(ros_x).view(-1, *x.shape[1:]).float(), torch.from_numpy(ros_y).long()
    n_max = int(torch.bincount(y, minlength=NUM_CLASSES).max())
    need = torch.repeat_interleave(torch.arange(NUM_CLASSES), torch.tensor(top_up_counts(y)))
    cgans: dict[str, DCGAN] = {}

    def cgan(name: str) -> DCGAN:
        """The conditional GAN ``name`` (``cgan``, ``cgan_acgan`` or ``bagan``), trained once per data set and
        seed."""
        if name not in cgans:
            start = time.process_time()
            if name == "bagan":
                cgans[name], record = train_bagan(data, seed, x, y, args.gan_steps, args.ae_steps)
                extra.update({f"bagan_{k}": v for k, v in record.items()})
            else:
                cgans[name] = train_cgan(data, seed, args.gan_steps, CGAN_AC_WEIGHT[name])
            extra[f"{name}_train_cpu_s"] = round(time.process_time() - start, 1)
        return cgans[name]

    for arm in arms:
        if arm == "none":
            score(arm, x, y)
        elif arm == "class_weights":
            score(arm, x, y, balanced=True)
        elif arm == "random_oversampler":
            score(arm, ros_x, ros_y)
        elif arm == "smote":
            sx, sy = SMOTE(k_neighbors=5, random_state=seed).fit_resample(flat, y.numpy())
            score(arm, torch.from_numpy(sx).view(-1, *x.shape[1:]).float(), torch.from_numpy(sy).long())
        elif arm == "oracle":
            score(arm, oracle_x, oracle_y)
        elif arm == "gan_per_class":
            start = time.process_time()
            gx, gy = gan_per_class(x, y, seed, args.class_gan_steps)
            extra["gan_per_class_train_cpu_s"] = round(time.process_time() - start, 1)
            score(arm, torch.cat([x, gx]), torch.cat([y, gy]))
        elif arm in CGAN_AC_WEIGHT or arm == "bagan":  # BAGAN's own protocol: top up to balance
            model = cgan(arm)
            score(arm, torch.cat([x, generate(model, need, seed)]), torch.cat([y, need]))
        elif arm in MIX_ARMS:
            model = cgan(MIX_ARMS[arm])
            prefix = FILTER_PREFIX[MIX_ARMS[arm]]
            per_class = [round(args.gan_share * n_max)] * NUM_CLASSES
            if arm.endswith("_plus_ros"):
                gy = torch.arange(NUM_CLASSES).repeat_interleave(torch.tensor(per_class))
                gx = generate(model, gy, seed + 2)
            else:
                # the filter's classifier and thresholds see the real imbalanced training split only
                filter_net = cnn("none", x, y)
                thresholds = class_thresholds(
                    probabilities(filter_net, x), y, args.filter_quantile, NUM_CLASSES
                )
                gx, gy, info = filtered_samples(
                    model, per_class, filter_net, thresholds, seed + 2, args.filter_rounds
                )
                extra[f"{prefix}filter_acceptance"] = info["acceptance"]
                extra[f"{prefix}filter_shortfall"] = info["shortfall"]
                extra["filter_thresholds"] = [round(float(t), 4) for t in thresholds]
                print(
                    f"{data} seed {seed} {arm}: {info}, thresholds {extra['filter_thresholds']}", flush=True
                )
            score(arm, torch.cat([ros_x, gx]), torch.cat([ros_y, gy]))
        else:
            raise ValueError(f"unknown arm {arm!r}")

    # GAN-train / GAN-test of every conditional GAN this run trained (CNN only)
    labels = torch.arange(NUM_CLASSES).repeat_interleave(n_max)
    for name, model in cgans.items():
        fake = generate(model, labels, seed + 1)
        gan_train = train_classifier(fake, labels, seed, args.classifier_steps)
        extra[f"{name}_gan_train"] = float(balanced_accuracy_score(y_test, predict(gan_train, x_test)))
        oracle = cnn("oracle", oracle_x, oracle_y)
        extra[f"{name}_gan_test"] = float((predict(oracle, fake) == labels.numpy()).mean())
        print(
            f"{data} seed {seed} {name}: GAN-train {extra[f'{name}_gan_train']:.3f} GAN-test {extra[f'{name}_gan_test']:.3f}"
        )
    return {"arms": results, "extra": extra, "cpu_s": round(time.process_time() - cpu_start, 1)}


def mean_sd(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def runs_of(state: dict, data: str) -> dict[int, dict]:
    """``{seed: run}`` of one data set from a results state keyed ``"data/seed"``."""
    return {int(k.split("/")[1]): v for k, v in state.items() if k.split("/")[0] == data}


def arm_table(runs: dict[int, dict], classifier: str) -> list[str]:
    """Markdown rows: every arm present, mean ± sd over seeds, balanced accuracy paired with RandomOverSampler."""
    seeds = sorted(runs)
    lines = [
        "| arm | balanced accuracy | G-mean | macro-F1 | minority recall | balanced acc. - RandomOverSampler (paired) |",
        "|---|---|---|---|---|---|",
    ]
    for arm in ARMS:
        rows = {s: runs[s]["arms"][classifier][arm] for s in seeds if arm in runs[s]["arms"][classifier]}
        if not rows:
            continue
        cells = [
            mean_sd([r[k] for r in rows.values()])
            for k in ("balanced_accuracy", "g_mean", "macro_f1", "minority_recall")
        ]
        paired = "-" if arm == "random_oversampler" else mean_sd(paired_differences(runs, classifier, arm))
        lines.append(f"| {arm} | {' | '.join(cells)} | {paired} |")
    return lines


def paired_differences(runs: dict[int, dict], classifier: str, arm: str) -> list[float]:
    """Per seed: the arm's balanced accuracy minus RandomOverSampler's (seeds that have both)."""
    out = []
    for s in sorted(runs):
        arms = runs[s]["arms"][classifier]
        if arm in arms and "random_oversampler" in arms:
            out.append(arms[arm]["balanced_accuracy"] - arms["random_oversampler"]["balanced_accuracy"])
    return out


def gan_lines(runs: dict[int, dict]) -> list[str]:
    seeds = sorted(runs)
    lines = [
        "| conditional GAN | GAN-train (balanced acc. on real test) | GAN-test (oracle classifier on generated) |",
        "|---|---|---|",
    ]
    for name in (*CGAN_AC_WEIGHT, "bagan"):
        values = [runs[s]["extra"].get(f"{name}_gan_train") for s in seeds]
        tests = [runs[s]["extra"].get(f"{name}_gan_test") for s in seeds]
        if None not in values:
            lines.append(f"| {name} | {mean_sd(values)} | {mean_sd(tests)} |")
    return lines


def report(state: dict, args: argparse.Namespace) -> str:
    """The first table's section (digits, CNN)."""
    runs = runs_of(state, "digits")
    seeds = sorted(runs)
    lines = [
        "## Imbalanced digits: GAN augmentation against imbalanced-learn",
        "",
        f"`python benchmarks/imbalance.py {' '.join(args.argv)}`".replace(" `", "`"),
        f"on {platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread(s), "
        f"CPU shared with other jobs; seeds {', '.join(map(str, seeds))}. Protocol: the module docstring of "
        "`benchmarks/imbalance.py` (digits 16x16, step imbalance 1:10 on classes 1, 3, 5, 7, 9, balanced test "
        f"split of 360; classifier {args.classifier_steps} steps; conditional GANs {args.gan_steps} generator "
        f"steps; per-class GANs {args.class_gan_steps} steps each).",
        "",
        *arm_table(runs, "cnn"),
        "",
        *gan_lines(runs),
    ]
    gan_arms = [a for a in ("cgan", "cgan_acgan") if all(a in runs[s]["arms"]["cnn"] for s in seeds)]
    if gan_arms:

        def mean(arm: str) -> float:
            return statistics.mean(runs[s]["arms"]["cnn"][arm]["balanced_accuracy"] for s in seeds)

        best_gan = max(gan_arms, key=mean)  # the target is about the conditional GANs
        for baseline in ("smote", "random_oversampler"):
            if all(baseline in runs[s]["arms"]["cnn"] for s in seeds):
                best, other = mean(best_gan), mean(baseline)
                verdict = "at least" if best >= other else "below"
                lines += [
                    "",
                    f"- Target (best conditional-GAN arm >= {baseline}): {best_gan} {best:.3f} is {verdict} "
                    f"{baseline} {other:.3f} (difference {best - other:+.3f}).",
                ]
    return "\n".join(lines) + "\n"


def report_extended(merged: dict) -> str:
    """The issue-25 tables: per data set and classifier, paired differences, target lines."""
    state, args = merged["runs"], merged["args"]
    lines = [
        f"Seeds {merged['seeds']}; data {', '.join(args['data'])} at 16x16, step imbalance 1:10; CNN "
        f"{args['classifier_steps']} steps, logistic regression max_iter {args['logreg_iter']}; conditional GAN "
        f"(ACGAN head) {args['gan_steps']} generator steps, trained once per data set and seed; GAN share "
        f"{args['gan_share']} of the largest class per class; filter quantile {args['filter_quantile']}, "
        f"{args['filter_rounds']} rounds at most."
        + (
            f" BAGAN-style GAN (`lightning_gans.modules.bagan`): autoencoder {args['ae_steps']} Adam steps on "
            f"all classes, then {args['gan_steps']} generator steps with the cGAN's networks."
            if "ae_steps" in args
            else ""
        )
        + f" Machine: {merged['machine']}; {merged['cpu_s'] / 60:.1f} CPU minutes in all. Mean ± sd over seeds; "
        "the last column pairs each arm with RandomOverSampler on the same seed.",
        "",
    ]
    targets = []
    for data in args["data"]:
        runs = runs_of(state, data)
        if not runs:
            continue
        for classifier in args["classifier"]:
            lines += [f"**{data}, {classifier}**", "", *arm_table(runs, classifier), ""]
            candidates = {}
            for arm in GAN_ARMS:
                diffs = paired_differences(runs, classifier, arm)
                if len(diffs) == len(runs):
                    candidates[arm] = diffs
            if candidates:
                best = max(candidates, key=lambda a: statistics.mean(candidates[a]))
                diffs = candidates[best]
                mean = statistics.mean(diffs)
                targets.append(
                    f"- {data}, {classifier}: best GAN arm {best}, paired difference {mean_sd(diffs)} "
                    f"({sum(d >= 0 for d in diffs)} of {len(diffs)} seeds >= 0): "
                    f"{'met' if mean >= 0 else f'missed by {-mean:.3f}'}."
                )
        lines += [f"**{data}, conditional GAN (CNN)**", "", *gan_lines(runs), ""]
        first = [
            r["extra"]["bagan_ae_loss_first"] for r in runs.values() if "bagan_ae_loss_first" in r["extra"]
        ]
        if first:
            last = [
                r["extra"]["bagan_ae_loss_last"] for r in runs.values() if "bagan_ae_loss_last" in r["extra"]
            ]
            lines += [
                f"BAGAN autoencoder on {data} (training split, mean squared error in [-1, 1] pixels): "
                f"{mean_sd(first)} over its first 50 steps, {mean_sd(last)} over its last 50.",
                "",
            ]
        for gan, prefix in FILTER_PREFIX.items():
            key = f"{prefix}filter_acceptance"
            acceptance = [r["extra"][key] for r in runs.values() if key in r["extra"]]
            if acceptance:
                key = f"{prefix}filter_shortfall"
                short = sum(r["extra"][key] for r in runs.values() if key in r["extra"])
                lines += [
                    f"Confidence filter on {data}, {gan} samples: {mean_sd(acceptance)} of the candidates "
                    f"passed; {short} requested images missing over all seeds after the rounds.",
                    "",
                ]
    lines += [
        "Target (best GAN arm >= RandomOverSampler, paired over seeds, mean difference >= 0):",
        "",
        *targets,
    ]
    return "\n".join(lines) + "\n"


def write_doc(text: str, path: Path, start: str = START, end: str = END) -> None:
    """Replaces a section of ``path`` between its markers, keeping everything else."""
    block = f"{start}\n{text}{end}\n"
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    if start in old and end in old:
        head, rest = old.split(start, 1)
        new = head + block + rest.split(end, 1)[1].lstrip("\n")
    else:
        new = old.rstrip("\n") + "\n\n" + block
    path.write_text(new)


def combine_runs(first: dict, second: dict, key: str) -> dict:
    """One (data, seed) run from two processes that ran different arms: the union of their arms and extras,
    their CPU seconds added. An arm both ran must have the same scores (every arm is deterministic given the
    data set and seed), else the pairing with RandomOverSampler would mix two runs: a ValueError."""
    arms = {c: dict(first["arms"].get(c, {})) for c in first["arms"] | second["arms"]}
    for classifier, scored in second["arms"].items():
        for arm, result in scored.items():
            old = arms[classifier].setdefault(arm, result)
            if abs(old["balanced_accuracy"] - result["balanced_accuracy"]) > 1e-9:
                raise ValueError(
                    f"{key} {classifier} {arm}: balanced accuracy {old['balanced_accuracy']} in one process, "
                    f"{result['balanced_accuracy']} in another; rerun every arm of this seed in one process"
                )
    return {
        "arms": arms,
        "extra": second["extra"] | first["extra"],
        "cpu_s": first["cpu_s"] + second["cpu_s"],
    }


def merge(paths: list[Path], out: Path, doc: Path | None) -> dict:
    """The union of per-process results (one per data set and seed, or earlier merged files) ->
    ``out/results.json`` and ``out/report.table.txt``, and the table block of ``doc`` (between the
    ``imbalance2`` markers). Processes that ran other arms of the same (data, seed) are combined
    (``combine_runs``)."""
    parts = [json.loads(Path(p).read_text()) for p in paths]
    runs: dict[str, dict] = {}
    for part in parts:
        for key, run in part["runs"].items():
            runs[key] = combine_runs(runs[key], run, key) if key in runs else run
    args = dict(parts[0]["args"])
    for part in parts[1:]:
        args = part["args"] | args  # options only later parts have (ae_steps) join; the first part's win
    args["data"] = [d for d in DATA if any(k.startswith(f"{d}/") for k in runs)]
    # an earlier merged file stands for the processes it merged (one per run)
    processes = sum(part.get("processes", len(part["runs"]) if "seeds" in part else 1) for part in parts)
    merged = {
        "seeds": sorted({int(k.split("/")[1]) for k in runs}),
        "args": args,
        "machine": re.sub(r", \d+ processes merged$", "", parts[0]["machine"])
        + f", {processes} processes merged",
        "processes": processes,
        "cpu_s": sum(r["cpu_s"] for r in runs.values()),
        "runs": dict(sorted(runs.items())),
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(merged, indent=1))
    text = report_extended(merged)
    (out / "report.table.txt").write_text(text)
    if doc is not None:
        write_doc(text, doc, START2, END2)
    print(text)
    return merged


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description="GAN augmentation on step-imbalanced digits vs imbalanced-learn"
    )
    parser.add_argument("--data", nargs="+", default=["digits"], choices=list(DATA))
    parser.add_argument("--classifier", nargs="+", default=["cnn"], choices=list(CLASSIFIERS))
    parser.add_argument("--arms", nargs="+", default=FIRST_ARMS, choices=ARMS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--classifier_steps", type=int, default=500)
    parser.add_argument("--logreg_iter", type=int, default=300, help="LogisticRegression max_iter (lbfgs)")
    parser.add_argument("--gan_steps", type=int, default=600, help="conditional GANs' generator steps")
    parser.add_argument(
        "--ae_steps", type=int, default=1000, help="BAGAN arms: the autoencoder's Adam steps (batch 64)"
    )
    parser.add_argument(
        "--class_gan_steps", type=int, default=300, help="each per-class GAN's generator steps"
    )
    parser.add_argument(
        "--gan_share",
        type=float,
        default=0.5,
        help="cgan_plus_ros/cgan_filtered: generated images per class, "
        "as a share of the largest class (0.5: 2 real-or-duplicate to 1 generated)",
    )
    parser.add_argument(
        "--filter_quantile", type=float, default=0.1, help="cgan_filtered's per-class quantile"
    )
    parser.add_argument("--filter_rounds", type=int, default=10, help="cgan_filtered's rounds of candidates")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="1 seed, tiny budgets, no doc unless --doc")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench_imbalance")
    parser.add_argument(
        "--doc",
        type=Path,
        default=None,
        help="default: docs/BENCHMARKS.md for a full run of the first table's "
        "arms on digits with the CNN, and for --merge",
    )
    parser.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        default=None,
        help="results.json files of one-process-per-(data, seed) runs: write their union and tables to --out",
    )
    args = parser.parse_args(argv)
    args.argv = list(argv) if argv is not None else sys.argv[1:]
    if args.merge:
        return merge(args.merge, args.out, args.doc or ROOT / "docs" / "BENCHMARKS.md")
    torch.set_num_threads(args.threads)
    if args.quick:
        args.seeds, args.classifier_steps, args.gan_steps, args.class_gan_steps = args.seeds[:1], 20, 3, 2
        args.logreg_iter, args.filter_rounds, args.ae_steps = 20, 2, 5
    first_table = args.data == ["digits"] and args.classifier == ["cnn"] and args.arms == FIRST_ARMS
    doc = args.doc or (ROOT / "docs" / "BENCHMARKS.md" if first_table and not args.quick else None)
    args.out.mkdir(parents=True, exist_ok=True)
    results_file = args.out / f"results{'_quick' if args.quick else ''}.json"
    saved = json.loads(results_file.read_text()) if results_file.exists() and not args.quick else {}
    state = saved.get("runs", {})
    meta = {
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k != "merge"},
        "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread(s)",
    }
    for data in args.data:
        for seed in args.seeds:
            key = f"{data}/{seed}"
            if key in state:
                continue
            state[key] = run_seed(data, seed, args)
            # an interrupted run keeps finished (data, seed) pairs
            results_file.write_text(json.dumps(meta | {"runs": state}, indent=1))
    wanted = {k: v for k, v in state.items() if int(k.split("/")[1]) in args.seeds}
    if first_table:
        text = report(wanted, args)
        if (
            doc is not None
        ):  # also when every seed was already in --out: rewrites the section from the results
            write_doc(text, doc)
        print(text)
    return wanted


if __name__ == "__main__":
    main()
