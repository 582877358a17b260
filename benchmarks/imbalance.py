"""Does GAN augmentation help a classifier on imbalanced digits, compared with what practitioners already use?

    python benchmarks/imbalance.py                 # 5 seeds, writes docs/BENCHMARKS.md ("Imbalanced digits")
    python benchmarks/imbalance.py --quick         # 1 seed, tiny budgets, no doc (a smoke run)

Protocol. The digits at 16x16, training split made imbalanced by the ``step`` protocol (classes 1, 3, 5, 7, 9 keep
1 in 10 images, ``lightning_gans.data.imbalance``); the balanced test split (360 images) scores every arm. One fixed
downstream classifier (``SmallCNN``, the same network, optimizer and number of steps in every arm, batches drawn
uniformly from that arm's training set) is trained on:

- ``none``: the imbalanced split as it is; ``class_weights``: the same with class-weighted cross-entropy
  (``sklearn.utils.class_weight.compute_class_weight("balanced")``);
- ``random_oversampler`` / ``smote``: imbalanced-learn's ``RandomOverSampler`` / ``SMOTE(k_neighbors=5)`` on the
  flattened pixels (``fit_resample``, training split only);
- ``gan_per_class``: one unconditional DCGAN per minority class, trained on that class's images only, tops it up;
- ``cgan`` / ``cgan_acgan``: one class-conditional DCGAN (projection discriminator; the second with the ACGAN head,
  ``ac_weight`` 1) on the whole imbalanced split, ``fake_labels: data``; ``sample --balance`` style top-up;
- ``oracle``: the removed real images put back (the balanced split).

Every GAN arm tops each class up to the largest class. Metrics: balanced accuracy (= mean per-class recall),
geometric mean (``imblearn.metrics.geometric_mean_score``), macro-F1, minority recall (mean recall of the five
reduced classes); mean ± sd over seeds, and each arm's balanced accuracy paired with ``random_oversampler`` on the
same seed (mean ± sd of the per-seed difference). GAN-train / GAN-test (Shmelkov et al. 2018) for the conditional
GANs: balanced accuracy on the real test split of the classifier trained on generated images only (one per class as
many as the balanced split has), and the accuracy of the oracle classifier on generated images with their requested
labels.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import SMOTE, RandomOverSampler
from lightning.pytorch import Trainer, seed_everything
from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score
from sklearn.utils.class_weight import compute_class_weight
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lightning_gans import DCGAN, DigitsDataModule
from lightning_gans.data.digits import NUM_CLASSES
from lightning_gans.data.imbalance import STEP_MINORITY_CLASSES

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- imbalance:start -->", "<!-- imbalance:end -->"
ARMS = [
    "none",
    "class_weights",
    "random_oversampler",
    "smote",
    "gan_per_class",
    "cgan",
    "cgan_acgan",
    "oracle",
]
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


def train_cgan(seed: int, steps: int, ac_weight: float) -> DCGAN:
    seed_everything(seed)
    model = DCGAN(
        data_shape=[1, IMAGE_SIZE, IMAGE_SIZE],
        latent_dim=32,
        generator_width=32,
        discriminator_width=32,
        num_classes=NUM_CLASSES,
        fake_labels="data",
        ac_weight=ac_weight,
    )
    data = DigitsDataModule(image_size=IMAGE_SIZE, batch_size=64, seed=seed, imbalance="step")
    Trainer(max_steps=steps, **TRAINER).fit(model, data)
    return model.eval()


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


def run_seed(seed: int, args: argparse.Namespace) -> dict:
    data = DigitsDataModule(image_size=IMAGE_SIZE, imbalance="step")
    data.setup()
    split = data.split
    x, y = split["train"], split["train_labels"]
    x_test, y_test = split["test"], split["test_labels"].numpy()
    flat = x.flatten(1).numpy()
    results, extra = {}, {}

    def score(name: str, train_x: torch.Tensor, train_y: torch.Tensor, weight: torch.Tensor | None = None):
        start = time.time()
        net = train_classifier(train_x, train_y, seed, args.classifier_steps, weight)
        results[name] = scores(y_test, predict(net, x_test)) | {"seconds": round(time.time() - start, 1)}
        print(f"seed {seed} {name}: {results[name]}", flush=True)
        return net

    score("none", x, y)
    weights = compute_class_weight("balanced", classes=np.arange(NUM_CLASSES), y=y.numpy())
    score("class_weights", x, y, torch.tensor(weights, dtype=torch.float))
    for name, sampler in [
        ("random_oversampler", RandomOverSampler(random_state=seed)),
        ("smote", SMOTE(k_neighbors=5, random_state=seed)),
    ]:
        rx, ry = sampler.fit_resample(flat, y.numpy())
        score(name, torch.from_numpy(rx).view(-1, *x.shape[1:]).float(), torch.from_numpy(ry).long())
    oracle = score("oracle", torch.cat([x, split["removed"]]), torch.cat([y, split["removed_labels"]]))

    start = time.time()
    gx, gy = gan_per_class(x, y, seed, args.class_gan_steps)
    extra["gan_per_class_train_seconds"] = round(time.time() - start, 1)
    score("gan_per_class", torch.cat([x, gx]), torch.cat([y, gy]))

    per_class = int(torch.bincount(y, minlength=NUM_CLASSES).max())
    for name, ac_weight in [("cgan", 0.0), ("cgan_acgan", 1.0)]:
        start = time.time()
        model = train_cgan(seed, args.gan_steps, ac_weight)
        extra[f"{name}_train_seconds"] = round(time.time() - start, 1)
        need = torch.repeat_interleave(torch.arange(NUM_CLASSES), torch.tensor(top_up_counts(y)))
        score(name, torch.cat([x, generate(model, need, seed)]), torch.cat([y, need]))
        # GAN-train: a classifier on generated images only; GAN-test: the oracle classifier on generated images
        labels = torch.arange(NUM_CLASSES).repeat_interleave(per_class)
        fake = generate(model, labels, seed + 1)
        gan_train = train_classifier(fake, labels, seed, args.classifier_steps)
        extra[f"{name}_gan_train"] = float(balanced_accuracy_score(y_test, predict(gan_train, x_test)))
        extra[f"{name}_gan_test"] = float((predict(oracle, fake) == labels.numpy()).mean())
        print(
            f"seed {seed} {name}: GAN-train {extra[f'{name}_gan_train']:.3f} GAN-test {extra[f'{name}_gan_test']:.3f}"
        )
    return {"arms": results, "extra": extra}


def mean_sd(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def report(state: dict, args: argparse.Namespace) -> str:
    seeds = sorted(state, key=int)
    lines = [
        "## Imbalanced digits: GAN augmentation against imbalanced-learn",
        "",
        f"`python benchmarks/imbalance.py {' '.join(args.argv)}`".replace(" `", "`"),
        f"on {platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread(s), "
        f"CPU shared with other jobs; seeds {', '.join(seeds)}. Protocol: the module docstring of "
        "`benchmarks/imbalance.py` (digits 16x16, step imbalance 1:10 on classes 1, 3, 5, 7, 9, balanced test "
        f"split of 360; classifier {args.classifier_steps} steps; conditional GANs {args.gan_steps} generator "
        f"steps; per-class GANs {args.class_gan_steps} steps each).",
        "",
        "| arm | balanced accuracy | G-mean | macro-F1 | minority recall | balanced acc. - RandomOverSampler (paired) |",
        "|---|---|---|---|---|---|",
    ]
    for arm in ARMS:
        rows = [state[s]["arms"][arm] for s in seeds if arm in state[s]["arms"]]
        if not rows:
            continue
        cells = [
            mean_sd([r[k] for r in rows])
            for k in ("balanced_accuracy", "g_mean", "macro_f1", "minority_recall")
        ]
        diffs = [
            state[s]["arms"][arm]["balanced_accuracy"]
            - state[s]["arms"]["random_oversampler"]["balanced_accuracy"]
            for s in seeds
            if arm in state[s]["arms"]
        ]
        paired = "-" if arm == "random_oversampler" else mean_sd(diffs)
        lines.append(f"| {arm} | {' | '.join(cells)} | {paired} |")
    lines += [
        "",
        "| conditional GAN | GAN-train (balanced acc. on real test) | GAN-test (oracle classifier on generated) |",
        "|---|---|---|",
    ]
    for name in ("cgan", "cgan_acgan"):
        values = [state[s]["extra"].get(f"{name}_gan_train") for s in seeds]
        tests = [state[s]["extra"].get(f"{name}_gan_test") for s in seeds]
        if None not in values:
            lines.append(f"| {name} | {mean_sd(values)} | {mean_sd(tests)} |")
    best_gan = max(  # the target is about the conditional GANs
        ("cgan", "cgan_acgan"),
        key=lambda a: statistics.mean(state[s]["arms"][a]["balanced_accuracy"] for s in seeds),
    )
    best = statistics.mean(state[s]["arms"][best_gan]["balanced_accuracy"] for s in seeds)
    for baseline in ("smote", "random_oversampler"):
        other = statistics.mean(state[s]["arms"][baseline]["balanced_accuracy"] for s in seeds)
        verdict = "at least" if best >= other else "below"
        lines.append("")
        lines.append(
            f"- Target (best conditional-GAN arm >= {baseline}): {best_gan} {best:.3f} is {verdict} {baseline} {other:.3f} "
            f"(difference {best - other:+.3f})."
        )
    return "\n".join(lines) + "\n"


def write_doc(text: str, path: Path) -> None:
    """Replaces this benchmark's section of ``path`` between its markers, keeping everything else."""
    block = f"{START}\n{text}{END}\n"
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    if START in old and END in old:
        head, rest = old.split(START, 1)
        new = head + block + rest.split(END, 1)[1].lstrip("\n")
    else:
        new = old.rstrip("\n") + "\n\n" + block
    path.write_text(new)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description="GAN augmentation on step-imbalanced digits vs imbalanced-learn"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--classifier_steps", type=int, default=500)
    parser.add_argument("--gan_steps", type=int, default=600, help="conditional GANs' generator steps")
    parser.add_argument(
        "--class_gan_steps", type=int, default=300, help="each per-class GAN's generator steps"
    )
    parser.add_argument("--quick", action="store_true", help="1 seed, tiny budgets, no doc unless --doc")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench_imbalance")
    parser.add_argument("--doc", type=Path, default=None, help="default: docs/BENCHMARKS.md (full runs only)")
    args = parser.parse_args(argv)
    args.argv = list(argv) if argv is not None else sys.argv[1:]
    torch.set_num_threads(1)
    if args.quick:
        args.seeds, args.classifier_steps, args.gan_steps, args.class_gan_steps = args.seeds[:1], 20, 3, 2
    doc = args.doc or (None if args.quick else ROOT / "docs" / "BENCHMARKS.md")
    args.out.mkdir(parents=True, exist_ok=True)
    results_file = args.out / f"results{'_quick' if args.quick else ''}.json"
    state = json.loads(results_file.read_text()) if results_file.exists() and not args.quick else {}
    for seed in args.seeds:
        if str(seed) in state:
            continue
        state[str(seed)] = run_seed(seed, args)
        results_file.write_text(json.dumps(state, indent=1))  # an interrupted run keeps finished seeds
        text = report({s: state[s] for s in state if int(s) in args.seeds}, args)
        if doc is not None:
            write_doc(text, doc)
    text = report({s: state[s] for s in state if int(s) in args.seeds}, args)
    if doc is not None:  # also when every seed was already in --out: rewrites the section from the results
        write_doc(text, doc)
    print(text)
    return state


if __name__ == "__main__":
    main()
