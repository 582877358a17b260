"""Image translation on the embedded digit domains: CycleGAN and pix2pix beside the classical mappings, same run.

    python benchmarks/translation.py                                    # 3 tasks x 3 seeds in one process
    python benchmarks/translation.py --tasks mnist5k_digits --seeds 0 --steps 100 --classifier-steps 200  # short

    # the default run as 9 one-thread processes (task x seed, longest first), 2 at a time, then one report
    # (what `make bench-translation` does):
    for t in mnist5k_digits mnist5k_mnistm mnistm_clean; do for s in 0 1 2; do echo "$t $s"; done; done |
      OMP_NUM_THREADS=1 xargs -P 2 -n 2 sh -c \\
        'python benchmarks/translation.py --tasks $0 --seeds $1 --out runs/bench_translation/$0_s$1'
    python benchmarks/translation.py --merge runs/bench_translation/*/results.json --out docs/bench_translation

Time (estimated from timed steps, not from a full run): one torch thread on this project's 2-core machine (shared,
so the figures are on the high side), a CycleGAN step (widths 16, 6 blocks, batch 16, 32x32, through Lightning)
took 0.66 CPU s, a pix2pix step (width 16) 0.07 s, a LeNet classifier (500 steps of 64) about 20 s, and
scoring one direction (6-7 LeNets, the chain search, CORAL) about 150-200 s. The default budgets then make
about 950 CPU s for mnist5k_digits (two directions scored), 900 s for mnist5k_mnistm and 400 s for mnistm_clean
per seed: about 6,700 CPU s for 3 seeds, about an hour of wall time as 9 one-thread processes 2 at a time on 2
cores (``make bench-translation``, or the xargs line above); about two hours in one process.

Protocol (the adaptation papers', CyCADA and UNIT). Images 32x32 in [-1, 1]; every domain's fixed stratified
split (``lightning_gans.data.translation.load_domain``: mnist5k and mnistm 4,000 train / 1,000 test, digits 1,437 /
360). For each direction source -> target:

- a small CNN (``LeNet``) trained on the **target** training split (its labels) reads the translated **source**
  test images: **class preserved** = its accuracy against the source labels;
- **FID** of the translated source test images against the target test images in a fixed feature network: the
  project's digits network (``lightning_gans.metrics.digits_net``, 64-d penultimate features, the same for every
  direction, method and seed; RGB is averaged to grey before it). FID is biased by the sample size (360 translated
  images from digits, 1,000 from the others; the ``target_supervised`` row compares 4,000 training images): compare
  rows within a direction;
- **train on translated -> test on target**: a fresh ``LeNet`` trained on the translated source *training*
  images with the source labels, tested on the target test split;
- paired task only: **L1** (mean absolute difference, [-1, 1] units) of the translation to the true clean digit.

Tasks (one model each; ``--tasks``) and the directions they evaluate:

- ``mnist5k_digits``: one CycleGAN between MNIST-5k (A) and scikit-learn's digits enlarged (B), grey;
  evaluated as ``mnist5k->digits`` (G_AB) and ``digits->mnist5k`` (G_BA), as MNIST <-> USPS in the papers.
- ``mnist5k_mnistm``: CycleGAN from MNIST-5k (grey repeated to RGB) to the MNIST-M-style domain; ``mnist5k->mnistm``.
- ``mnistm_clean``: pix2pix on aligned pairs, MNIST-M-style digit -> the same clean MNIST-5k digit;
  ``mnistm->mnist5k``.

Models: the library's ``CycleGAN`` (ResNet generators with ``--n-blocks`` blocks, 70x70 PatchGANs, instance norm,
LSGAN, cycle 10, identity 0.5, pools of 50, Adam 2e-4 (0.5, 0.999)) and ``Pix2Pix`` (U-Net of 5 levels, conditional
PatchGAN, batch norm, vanilla GAN + 100 L1), widths ``--width``, batch ``--batch-size``; learning rate constant for
half of the steps then linearly to 0 (``LinearDecayLR``, the reference's schedule in steps). ``--semantic`` adds the
arm ``cyclegan_semantic``: the same CycleGAN trained again with CyCADA's semantic-consistency term (weight 1; a
frozen LeNet trained on the source domain A's training split with its labels must give G_AB(a) a's class), off by
default (it doubles the CycleGAN tasks' time). Speed: process CPU seconds per generator step (= wall seconds on a
free core with one thread); beside the reference implementation on the same networks:
``benchmarks/translation_speed.py``.

Classical answers, fitted without any target label (target *images* of the training split only), each an image
mapping scored exactly like the models:

- ``source_only``: no translation (channels converted: grey repeated to RGB, RGB to grey by luma);
- ``resize_blur_sharpen``: the best chain zoom (centre crop / edge pad after ``skimage.transform.resize``) ->
  ``skimage.filters.gaussian`` -> ``skimage.filters.unsharp_mask`` over the grid ``CHAIN_GRID``, chosen by the
  digits-network FID of the translated source *training* images to the target *training* images (never the
  test split);
- ``histogram_matching``: ``skimage.exposure.match_histograms`` of each source set against the target training
  pixels pooled (one monotone intensity map per channel for the whole set, not per image). Ties are not broken:
  MNIST-5k's background (about 74% of its pixels at exactly -1) goes to the target value at that quantile as a
  whole, which is what the function does;
- ``coral_pixels``: CORAL (Sun et al., 2016) on the flattened pixels: ``x -> (x - mu_s) C_s^-1/2 C_t^1/2 + mu_t``
  with Ledoit-Wolf covariances (``sklearn.covariance.LedoitWolf``; the shrinkage keeps them invertible where the
  paper adds the identity), clipped to [-1, 1];
- ``coral_features``: CORAL as the paper uses it, on features: the target classifier's 500-d penultimate
  features of source images aligned to those of target training images; class preserved = the classifier's head
  on the aligned features, train -> test = ``LogisticRegression`` on aligned source training features, tested on
  the target test features (the paper's linear classifier). Not an image, so no FID;
- ``otsu_morphology`` (paired task): per image ``skimage.filters.threshold_otsu`` on the luma, the polarity with
  less foreground on the border frame (MNIST digits are centred) as the digit, ``skimage.morphology.opening``
  (disk 1) and ``remove_small_objects``, to a binary digit in {-1, 1}.

``target_supervised`` is the reference row: the target classifier on the target test split (class preserved and
train -> test are then its own test accuracy; FID is target training vs target test images).

Output: ``<out>/results.json`` (every run) and ``<out>/report.table.txt`` (markdown; not .md: every .md under docs/ is a site page) (mean ± sd over seeds, the published rows of
``shared/reference/published.md`` with their protocol, and the issue's targets met or missed).
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import statistics
import time
from functools import partial
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from lightning.pytorch import Trainer, seed_everything
from scipy.linalg import eigh
from skimage.exposure import match_histograms
from skimage.filters import gaussian, threshold_otsu, unsharp_mask
from skimage.morphology import disk, opening, remove_small_objects
from skimage.transform import resize
from sklearn.covariance import LedoitWolf
from sklearn.linear_model import LogisticRegression
from torch import nn

from lightning_gans import CycleGAN, DigitDomainsDataModule, Pix2Pix
from lightning_gans.data.translation import load_domain
from lightning_gans.data.translation.domains import convert_channels
from lightning_gans.engine import LinearDecayLR
from lightning_gans.metrics.image import ImageMetrics

ROOT = Path(__file__).resolve().parents[1]
SIZE = 32

TASKS: dict[str, dict] = {
    "mnist5k_digits": dict(
        model="cyclegan", a="mnist5k", b="digits", channels=1, paired=False, directions={"a2b", "b2a"}
    ),
    "mnist5k_mnistm": dict(
        model="cyclegan", a="mnist5k", b="mnistm", channels=3, paired=False, directions={"a2b"}
    ),
    "mnistm_clean": dict(
        model="pix2pix", a="mnistm", b="mnist5k", channels=None, paired=True, directions={"a2b"}
    ),
}
"""Task -> the model trained, its domains A and B, channels (None = each domain its own) and the directions
evaluated (``a2b`` = A is the source)."""

CHAIN_GRID = {"zoom": (0.8, 1.0, 1.25), "sigma": (0.0, 0.5, 1.0), "amount": (0.0, 1.0)}
"""Zoom factor (> 1 enlarges the digit, cropping the border), Gaussian sigma (px), unsharp-mask amount (radius 1)."""

QUICK_CHAIN_GRID = {"zoom": (1.0, 1.25), "sigma": (0.5,), "amount": (1.0,)}

METHODS = [
    "target_supervised",
    "source_only",
    "resize_blur_sharpen",
    "histogram_matching",
    "coral_pixels",
    "coral_features",
    "otsu_morphology",
    "cyclegan",
    "cyclegan_semantic",
    "pix2pix",
]
METRICS = {
    "acc": "class preserved",
    "fid": "FID to target test (digits net)",
    "tot_acc": "train on translated -> target test",
    "l1": "L1 to the true clean digit",
    "s_per_step": "CPU s / generator step",
}

PUBLISHED = """Published, for protocol (CyCADA paper's digit table, as quoted by a secondary summary in
`shared/reference/published.md`; **not yet checked against the paper**). Full MNIST (60k) and USPS (7,291 16x16
images), LeNet-style target classifier, accuracy of that classifier on translated source test images (%):

| method | MNIST -> USPS | USPS -> MNIST |
|---|---|---|
| source only | 82.2 ± 0.8 | 69.6 ± 3.8 |
| ADDA | 89.4 ± 0.2 | 90.1 ± 0.8 |
| UNIT | 95.9 | 93.6 |
| CyCADA | 95.6 ± 0.2 | 96.5 ± 0.1 |
| target supervised | 96.3 | 99.2 |

Here MNIST-5k (5,000 digits) and scikit-learn's 8x8 digits (UCI, enlarged) stand in for MNIST and USPS, so the rows
compare protocols, not numbers. MNIST -> MNIST-M figures (DANN, PixelDA) are not quoted: published.md has not
verified them, and the MNIST-M-style domain here is built from two photos, not BSDS500. The CycleGAN paper's
FCN-scores (Cityscapes labels -> photo: CycleGAN 0.52 / 0.17 / 0.11, pix2pix 0.71 / 0.25 / 0.18 per-pixel /
per-class accuracy / class IoU) use the same idea, a fixed recognizer reading translations, on other data."""


# --------------------------------------------------------------------------------------------- classifier
class LeNet(nn.Module):
    """``(N, C, 32, 32)`` images in [-1, 1] -> ``(N, 10)`` logits: the adaptation papers' LeNet (ADDA, CyCADA):
    conv 5x5 (``width``) -> ReLU -> max-pool -> conv 5x5 (``5 * width // 2``) -> ReLU -> max-pool -> 500-d ReLU
    layer (``features``: CORAL's feature space) -> dropout 0.5 -> linear head. No batch norm: its running
    statistics would be those of the training domain, and the protocol feeds it images of another (a
    batch-norm CNN read MNIST-5k at chance after training on the digits, where this one reads about 30%)."""

    def __init__(self, channels: int, width: int = 20) -> None:
        super().__init__()
        wide = 5 * width // 2
        self.trunk = nn.Sequential(
            nn.Conv2d(channels, width, 5),  # 28x28
            nn.ReLU(),
            nn.MaxPool2d(2),  # 14x14
            nn.Conv2d(width, wide, 5),  # 10x10
            nn.ReLU(),
            nn.MaxPool2d(2),  # 5x5
            nn.Flatten(),
            nn.Linear(wide * 25, 500),
            nn.ReLU(),
        )
        self.dropout = nn.Dropout(0.5)
        self.head = nn.Linear(500, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, C, 32, 32)`` -> ``(N, 500)``."""
        return self.trunk(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.trunk(x)))


def train_classifier(images: torch.Tensor, labels: torch.Tensor, seed: int, steps: int, width: int) -> LeNet:
    """A ``LeNet`` trained for ``steps`` Adam(1e-3) steps of 64 images drawn in seeded epochs; eval mode."""
    torch.manual_seed(seed)
    net = LeNet(images.shape[1], width)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    batch = min(64, len(images))
    order = torch.empty(0, dtype=torch.long)
    net.train()
    for _ in range(steps):
        if len(order) < batch:  # a new epoch: every image once before any repeats
            order = torch.randperm(len(images), generator=generator)
        index, order = order[:batch], order[batch:]
        loss = F.cross_entropy(net(images[index]), labels[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return net.eval().requires_grad_(False)


def batched(fn, x: torch.Tensor, size: int = 500) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([fn(chunk) for chunk in x.split(size)])


def accuracy(net: LeNet, images: torch.Tensor, labels: torch.Tensor) -> float:
    return float((batched(net, images).argmax(1) == labels).float().mean())


# ------------------------------------------------------------------------------------- classical mappings
def to_unit(images: torch.Tensor) -> np.ndarray:
    """``(N, C, H, W)`` in [-1, 1] -> ``(N * C, H, W)`` float64 in [0, 1] (one 2-d slice per channel)."""
    return ((images.double() + 1) / 2).reshape(-1, *images.shape[-2:]).numpy()


def from_unit(stack: np.ndarray, like: torch.Tensor) -> torch.Tensor:
    """Inverse of ``to_unit``: ``(N * C, H, W)`` in [0, 1] -> ``like``'s ``(N, C, H, W)`` float32 in [-1, 1]."""
    return torch.from_numpy(np.clip(stack, 0, 1) * 2 - 1).float().reshape(like.shape)


def rescale_about_centre(stack: np.ndarray, factor: float) -> np.ndarray:
    """``(M, H, W)`` -> ``(M, H, W)``: each slice resized by ``factor`` about its centre (bilinear,
    anti-aliased when shrinking), then centre-cropped or edge-padded back to ``H x W``."""
    if factor == 1.0:
        return stack
    m, h, w = stack.shape
    nh, nw = round(h * factor), round(w * factor)
    scaled = resize(stack, (m, nh, nw), order=1, anti_aliasing=factor < 1, preserve_range=True)
    if factor > 1:
        top, left = (nh - h) // 2, (nw - w) // 2
        return scaled[:, top : top + h, left : left + w]
    top, left = (h - nh) // 2, (w - nw) // 2
    return np.pad(scaled, ((0, 0), (top, h - nh - top), (left, w - nw - left)), mode="edge")


def resize_blur_sharpen(
    images: torch.Tensor, zoom_factor: float, sigma: float, amount: float
) -> torch.Tensor:
    """``(N, C, H, W)`` -> same shape: zoom, Gaussian blur (sigma px), unsharp mask (radius 1, ``amount``)."""
    stack = rescale_about_centre(to_unit(images), zoom_factor)
    if sigma > 0:
        stack = gaussian(stack, sigma=(0, sigma, sigma), preserve_range=True)
    if amount > 0:
        stack = unsharp_mask(stack, radius=1.0, amount=amount, channel_axis=0, preserve_range=True)
    return from_unit(stack, images)


def histogram_matching(images: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """``(N, C, H, W)`` source images whose pooled pixel histogram (per channel) is matched to the pooled
    pixels of ``reference`` ``(M, C, H, W)``: one monotone intensity map for the whole set."""
    source = images.permute(0, 2, 3, 1).numpy()  # channels last for channel_axis
    target = reference.permute(0, 2, 3, 1).numpy()
    matched = match_histograms(source, target, channel_axis=-1)
    return torch.from_numpy(np.ascontiguousarray(matched)).permute(0, 3, 1, 2).float().clamp(-1, 1)


def _matrix_power(covariance: np.ndarray, power: float) -> np.ndarray:
    values, vectors = eigh(covariance)
    return (vectors * np.clip(values, 1e-12, None) ** power) @ vectors.T


class Coral:
    """CORAL (Sun, Feng and Saenko, 2016): re-colours source vectors with the target covariance,
    ``x -> (x - mu_s) C_s^-1/2 C_t^1/2 + mu_t``, covariances by Ledoit-Wolf shrinkage."""

    def fit(self, source: np.ndarray, target: np.ndarray) -> Coral:
        """``source`` ``(N_s, D)``, ``target`` ``(N_t, D)``."""
        # no precision matrix (a pseudo-inverse as costly as the eigendecompositions below, and unused)
        cs = LedoitWolf(store_precision=False).fit(source)
        ct = LedoitWolf(store_precision=False).fit(target)
        self.mean_s, self.mean_t = cs.location_, ct.location_
        self.matrix = _matrix_power(cs.covariance_, -0.5) @ _matrix_power(ct.covariance_, 0.5)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        """``(N, D)`` -> ``(N, D)``."""
        return (x - self.mean_s) @ self.matrix + self.mean_t


def coral_pixels(source_train: torch.Tensor, target_train: torch.Tensor):
    """A fitted pixel CORAL as an image mapping ``(N, C, H, W) -> (N, C, H, W)`` (clipped to [-1, 1])."""
    coral = Coral().fit(source_train.flatten(1).double().numpy(), target_train.flatten(1).double().numpy())
    return lambda x: (
        torch.from_numpy(coral.transform(x.flatten(1).double().numpy())).float().view_as(x).clamp(-1, 1)
    )


def otsu_morphology(images: torch.Tensor, border: int = 4, max_speck: int = 7) -> torch.Tensor:
    """``(N, C, H, W)`` digits on photos -> ``(N, 1, H, W)`` binary digits in {-1, 1}: per-image Otsu threshold of
    the luma; of the two sides, the one with less foreground on the ``border``-px frame is the digit (MNIST
    digits sit in the centre; on MNIST-M the digit may be darker or lighter than the photo); then an opening
    with a disk of radius 1 and removal of components of at most ``max_speck`` px."""
    grey = to_unit(convert_channels(images, 1))  # (N, H, W)
    frame = np.ones(grey.shape[1:], dtype=bool)
    frame[border:-border, border:-border] = False
    out = np.empty_like(grey)
    for i, image in enumerate(grey):
        bright = image > threshold_otsu(image)
        digit = bright if bright[frame].mean() <= (~bright)[frame].mean() else ~bright
        digit = remove_small_objects(opening(digit, disk(1)), max_size=max_speck)
        out[i] = digit
    return from_unit(out, images[:, :1])


# -------------------------------------------------------------------------------------------- the models
def trainer(steps: int, root: Path, **kwargs) -> Trainer:
    """The benchmark's Trainer: ``steps`` generator steps on the CPU, no logger, checkpoints or validation;
    ``kwargs`` go to ``Trainer`` too (``benchmarks/translation_speed.py`` adds its clock)."""
    return Trainer(
        max_steps=steps,
        accelerator="cpu",
        devices=1,
        default_root_dir=root,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        limit_val_batches=0,  # the data module has no validation split; scoring is done after fit
        **kwargs,
    )


def task_data(task: str, batch_size: int, seed: int = 0) -> DigitDomainsDataModule:
    """The task's data module (nothing is loaded before ``setup``; ``channels_a``/``channels_b`` are known)."""
    spec = TASKS[task]
    return DigitDomainsDataModule(
        source=spec["a"],
        target=spec["b"],
        image_size=SIZE,
        channels=spec["channels"],
        paired=spec["paired"],
        batch_size=batch_size,
        seed=seed,
    )


def build_model(
    task: str,
    channels_a: int,
    channels_b: int,
    steps: int,
    width: int,
    n_blocks: int,
    semantic: nn.Module | None = None,
) -> nn.Module:
    """The task's ``CycleGAN`` (``n_blocks`` ResNet blocks) or ``Pix2Pix`` at widths ``width``, with the
    learning rate constant for half of ``steps`` then linearly to 0 (``LinearDecayLR``). ``semantic``: a frozen
    classifier of domain A for CyCADA's semantic-consistency term (CycleGAN only, weight 1 as in CyCADA)."""
    half = max(1, steps // 2)
    schedule = partial(LinearDecayLR, n_steps=half, n_steps_decay=max(1, steps - half))
    common = dict(
        channels_a=channels_a,
        channels_b=channels_b,
        image_size=SIZE,
        generator_width=width,
        discriminator_width=width,
        generator_scheduler=schedule,
        discriminator_scheduler=schedule,
    )
    if TASKS[task]["model"] == "cyclegan":
        extra = dict(semantic_classifier=semantic, lambda_semantic=1.0) if semantic is not None else {}
        return CycleGAN(n_blocks=n_blocks, **common, **extra)
    return Pix2Pix(**common)


def train_model(task: str, seed: int, args, semantic: nn.Module | None = None) -> tuple[nn.Module, dict]:
    """The task's CycleGAN or Pix2Pix trained for its budget; returns it and ``{"steps", "cpu_s",
    "s_per_step"}`` (process CPU time of ``Trainer.fit``). ``semantic``: a frozen classifier of domain A for
    CyCADA's semantic-consistency term (CycleGAN only; targets = the batch's labels)."""
    steps = args.steps if TASKS[task]["model"] == "cyclegan" else args.pix2pix_steps
    data = task_data(task, args.batch_size, seed)
    seed_everything(seed, verbose=False)
    model = build_model(task, data.channels_a, data.channels_b, steps, args.width, args.n_blocks, semantic)
    start = time.process_time()
    fit = trainer(steps, args.work / f"{task}_s{seed}")
    fit.fit(model, data)
    cpu_s = time.process_time() - start
    try:  # kept for `lightning-gans translate` (pictures of the benchmark's own models); never fails the run
        fit.save_checkpoint(args.work / f"{task}_s{seed}" / "last.ckpt")
    except Exception as error:  # noqa: BLE001
        print(f"warning: the checkpoint of {task} seed {seed} was not saved: {error}")
    return model.eval(), {"steps": steps, "cpu_s": cpu_s, "s_per_step": cpu_s / max(1, steps)}


# ---------------------------------------------------------------------------------------------- scoring
def direction_name(task: str, direction: str) -> str:
    spec = TASKS[task]
    source, target = (spec["a"], spec["b"]) if direction == "a2b" else (spec["b"], spec["a"])
    return f"{source}->{target}"


def load_direction(task: str, direction: str, limit: int | None) -> dict[str, torch.Tensor]:
    """Source and target train/test images ``(N, C, 32, 32)`` and labels ``(N,)`` as the task's model sees them
    (``limit``: the first images of each split only, for a quick check)."""
    spec = TASKS[task]
    source, target = (spec["a"], spec["b"]) if direction == "a2b" else (spec["b"], spec["a"])
    out = {}
    for role, name in (("src", source), ("tgt", target)):
        for split in ("train", "test"):
            images, labels = load_domain(name, split, SIZE, spec["channels"])
            out[f"{role}_{split}"], out[f"{role}_{split}_labels"] = images[:limit], labels[:limit]
    return out


class FID:
    """Digits-network FID of image sets against one fixed real set (``(N, C, H, W)`` in [-1, 1])."""

    def __init__(self, real: torch.Tensor) -> None:
        self.metrics = ImageMetrics("digits", ["fid"])
        self.metrics.update_real(real)

    def __call__(self, fake: torch.Tensor) -> float:
        self.metrics.reset()
        self.metrics.update_fake(fake)
        return float(self.metrics.compute()["fid"])


def best_chain(
    source_train: torch.Tensor, target_train: torch.Tensor, channels: int, grid: dict = CHAIN_GRID
) -> tuple[dict, list]:
    """The ``CHAIN_GRID`` point whose chain gives the lowest FID of (up to 1,000) source training images to the
    target training images (no labels, no test images); returns it and every point's FID."""
    fid = FID(target_train)
    sample = source_train[:1000]
    tried = []
    for z, s, a in itertools.product(*grid.values()):
        mapped = convert_channels(resize_blur_sharpen(sample, z, s, a), channels)
        tried.append({"zoom": z, "sigma": s, "amount": a, "fid_train": fid(mapped)})
    best = min(tried, key=lambda t: t["fid_train"])
    return {k: best[k] for k in CHAIN_GRID}, tried


def evaluate_direction(
    task: str, direction: str, models: dict[str, tuple[nn.Module, dict]], seed: int, args
) -> dict:
    """Every method's scores on one direction: ``{method: {"acc", "fid", "tot_acc", ["l1"], ...}}``;
    ``models``: method name -> (trained model, its training info)."""
    d = load_direction(task, direction, args.limit)
    paired = TASKS[task]["paired"]
    channels = d["tgt_train"].shape[1]
    steps, width = args.classifier_steps, args.classifier_width
    classifier = train_classifier(d["tgt_train"], d["tgt_train_labels"], seed, steps, width)
    fid = FID(d["tgt_test"])

    def to_target(x: torch.Tensor) -> torch.Tensor:
        return convert_channels(x, channels)

    chain, tried = best_chain(d["src_train"], d["tgt_train"], channels, args.chain_grid)
    mappings = {
        "source_only": to_target,
        "resize_blur_sharpen": lambda x: to_target(resize_blur_sharpen(x, *chain.values())),
        "histogram_matching": lambda x: histogram_matching(to_target(x), d["tgt_train"]),
    }
    pixel_coral = coral_pixels(to_target(d["src_train"]), d["tgt_train"])
    mappings["coral_pixels"] = lambda x: pixel_coral(to_target(x))
    if paired:
        mappings["otsu_morphology"] = otsu_morphology
    for name, (model, _) in models.items():
        mappings[name] = partial(translate, model, direction)

    results: dict[str, dict] = {
        "target_supervised": {
            "acc": accuracy(classifier, d["tgt_test"], d["tgt_test_labels"]),
            "fid": fid(d["tgt_train"]),
            "tot_acc": accuracy(classifier, d["tgt_test"], d["tgt_test_labels"]),
        }
    }
    for method, mapping in mappings.items():
        start = time.process_time()
        test, train = mapping(d["src_test"]), mapping(d["src_train"])
        tot = train_classifier(train, d["src_train_labels"], seed, steps, width)
        results[method] = {
            "acc": accuracy(classifier, test, d["src_test_labels"]),
            "fid": fid(test),
            "tot_acc": accuracy(tot, d["tgt_test"], d["tgt_test_labels"]),
            "eval_cpu_s": time.process_time() - start,
        }
        if paired:  # src_test[i] and tgt_test[i] are one digit (same split order)
            results[method]["l1"] = float((test - d["tgt_test"]).abs().mean())
    results["resize_blur_sharpen"] |= {"chain": chain, "chain_grid_fid_train": tried}
    for name, (_, info) in models.items():
        results[name] |= info

    # CORAL on the target classifier's features: scored by the classifier's head / a linear classifier
    feats = {
        k: batched(classifier.features, to_target(d[k])).double().numpy() for k in ("src_train", "src_test")
    }
    feats |= {k: batched(classifier.features, d[k]).double().numpy() for k in ("tgt_train", "tgt_test")}
    coral = Coral().fit(feats["src_train"], feats["tgt_train"])
    aligned_test = torch.from_numpy(coral.transform(feats["src_test"])).float()
    linear = LogisticRegression(max_iter=2000).fit(coral.transform(feats["src_train"]), d["src_train_labels"])
    results["coral_features"] = {
        "acc": float((classifier.head(aligned_test).argmax(1) == d["src_test_labels"]).float().mean()),
        "tot_acc": float(linear.score(feats["tgt_test"], d["tgt_test_labels"])),
    }
    return results


def translate(model: nn.Module, direction: str, images: torch.Tensor) -> torch.Tensor:
    """``model.translate`` in batches, ``(N, C_s, H, W) -> (N, C_t, H, W)`` in [-1, 1]."""
    return batched(lambda chunk: model.translate(chunk, direction), images).clamp(-1, 1)


def run_task(task: str, seed: int, args) -> dict[str, dict]:
    """``{direction name: {method: scores}}`` of one task and seed."""
    spec = TASKS[task]
    semantic_only = args.semantic_only and spec["model"] == "cyclegan"
    models = {} if semantic_only else {spec["model"]: train_model(task, seed, args)}
    if (args.semantic or semantic_only) and spec["model"] == "cyclegan":
        # CyCADA's arm: a classifier of the source domain A (its labels) keeps G_AB's translations in class
        images, labels = load_domain(spec["a"], "train", SIZE, spec["channels"])
        source = train_classifier(images, labels, seed, args.classifier_steps, args.classifier_width)
        models["cyclegan_semantic"] = train_model(task, seed, args, semantic=source)
    for name, (_, info) in models.items():
        print(
            f"{task} seed {seed}: {name} {info['steps']} steps, {info['s_per_step']:.3f} CPU s/step",
            flush=True,
        )
    out = {}
    for direction in sorted(TASKS[task]["directions"]):
        name = direction_name(task, direction)
        out[name] = evaluate_direction(task, direction, models, seed, args)
        print(
            f"  {name}: "
            + ", ".join(f"{m} acc {r['acc']:.3f} tot {r['tot_acc']:.3f}" for m, r in out[name].items()),
            flush=True,
        )
    return out


# --------------------------------------------------------------------------------------------- reports
def summary(runs: list[dict]) -> dict[str, tuple[float, float]]:
    out = {}
    for key in METRICS:
        values = [r[key] for r in runs if key in r]
        if values:
            out[key] = (statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0)
    return out


def table(direction: str, runs: dict[str, list[dict]]) -> str:
    keys = [k for k in METRICS if any(k in r for rs in runs.values() for r in rs)]
    lines = [
        f"| {direction} | " + " | ".join(METRICS[k] for k in keys) + " |",
        "|---" * (len(keys) + 1) + "|",
    ]
    for method in [m for m in METHODS if m in runs]:
        s = summary(runs[method])
        cells = []
        for k in keys:
            if k not in s:
                cells.append("-")
            elif k in ("acc", "tot_acc"):
                cells.append(f"{100 * s[k][0]:.1f} ± {100 * s[k][1]:.1f}")
            elif k == "s_per_step":
                cells.append(f"{s[k][0]:.3f} ± {s[k][1]:.3f}")
            else:
                cells.append(f"{s[k][0]:.3g} ± {s[k][1]:.2g}")
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(runs: dict[str, dict[str, list[dict]]]) -> list[str]:
    """The issue's targets (not tests), met or missed and by how much, for the directions present."""

    def mean(direction: str, method: str, key: str = "acc") -> float | None:
        values = [r[key] for r in runs.get(direction, {}).get(method, []) if key in r]
        return statistics.mean(values) if values else None

    classical = ["source_only", "resize_blur_sharpen", "histogram_matching", "coral_pixels", "coral_features"]
    lines = []
    for direction in ("mnist5k->digits", "digits->mnist5k"):
        ours = mean(direction, "cyclegan")
        if ours is None:
            continue
        best = max(classical, key=lambda m: mean(direction, m) or 0.0)
        ok = ours >= 0.95 and ours > (mean(direction, best) or 0.0)
        lines.append(
            f"- {direction}: CycleGAN class preserved >= 95% and above every classical mapping: "
            f"{'met' if ok else 'missed'} ({100 * ours:.1f}%; best classical {best} {100 * mean(direction, best):.1f}%)."
        )
    direction = "mnist5k->mnistm"
    ours = mean(direction, "cyclegan")
    if ours is not None:
        source, coral = mean(direction, "source_only"), mean(direction, "coral_pixels")
        coral_f = mean(direction, "coral_features")
        best_coral = max(v for v in (coral, coral_f) if v is not None)
        ok = ours >= source + 0.20 and ours > best_coral
        lines.append(
            f"- {direction}: CycleGAN >= source only + 20 points and above CORAL: {'met' if ok else 'missed'} "
            f"({100 * ours:.1f}% vs source only {100 * source:.1f}%, CORAL pixels {100 * coral:.1f}%, "
            f"features {100 * coral_f:.1f}%)."
        )
    direction = "mnistm->mnist5k"
    ours = mean(direction, "pix2pix")
    if ours is not None:
        l1, otsu_l1 = mean(direction, "pix2pix", "l1"), mean(direction, "otsu_morphology", "l1")
        ok = ours >= 0.95 and l1 < otsu_l1
        lines.append(
            f"- {direction}: pix2pix class preserved >= 95% with an L1 below Otsu's: {'met' if ok else 'missed'} "
            f"({100 * ours:.1f}%, L1 {l1:.3f} vs Otsu {otsu_l1:.3f})."
        )
    return lines


def report_markdown(report: dict) -> str:
    args = report["args"]
    parts = [
        "# Image translation benchmark (`benchmarks/translation.py`)",
        "",
        f"Seeds {report['seeds']}; CycleGAN {args['steps']} / pix2pix {args['pix2pix_steps']} generator steps, "
        f"widths {args['width']}, {args['n_blocks']} ResNet blocks, batch {args['batch_size']}; classifiers "
        f"{args['classifier_steps']} steps, width {args['classifier_width']}. Machine: {report['machine']}. "
        "Mean ± sd over seeds; accuracies in %. Protocol: the module docstring of benchmarks/translation.py "
        "(FID in the project's digits network, CORAL on pixels and on the target classifier's features).",
        "",
    ]
    for direction, runs in report["runs"].items():
        parts += [table(direction, runs), ""]
        chains = [r["chain"] for r in runs.get("resize_blur_sharpen", [])]
        if chains:
            parts += [f"Chains chosen (by FID to the target training split): {chains}.", ""]
    parts += ["Targets of issue 22 (not tests):", "", *targets(report["runs"]), "", PUBLISHED, ""]
    return "\n".join(parts)


def write(report: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    report["summary"] = {
        direction: {method: summary(method_runs) for method, method_runs in runs.items()}
        for direction, runs in report["runs"].items()
    }
    (out / "results.json").write_text(json.dumps(report, indent=1))
    markdown = report_markdown(report)
    (out / "report.table.txt").write_text(markdown)
    print(markdown)
    print(f"JSON: {out / 'results.json'}; report: {out / 'report.table.txt'}")


def merge(paths: list[Path], out: Path) -> dict:
    """The union of several runs' results (one process per task and seed), written to ``out`` like one run's;
    a (direction, method, seed) present twice is kept once (the first file's)."""
    parts = [json.loads(Path(p).read_text()) for p in paths]
    by_seed: dict[str, dict[str, dict[int, dict]]] = {}
    for part in parts:
        for direction, runs in part["runs"].items():
            for method, method_runs in runs.items():
                for run in method_runs:
                    by_seed.setdefault(direction, {}).setdefault(method, {}).setdefault(run["seed"], run)
    runs = {
        direction: {m: [seeds[s] for s in sorted(seeds)] for m, seeds in methods.items()}
        for direction, methods in by_seed.items()
    }
    report = {
        "seeds": sorted({s for methods in by_seed.values() for seeds in methods.values() for s in seeds}),
        "args": parts[0]["args"],
        "machine": parts[0]["machine"] + f", {len(parts)} processes merged",
        "cpu_s": sum(p["cpu_s"] for p in parts),
        "runs": runs,
    }
    write(report, out)
    return report


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=1000, help="CycleGAN generator steps (default 1000)")
    p.add_argument("--pix2pix-steps", type=int, default=3000, help="pix2pix generator steps (default 3000)")
    p.add_argument("--width", type=int, default=16, help="generator and discriminator width ngf = ndf (16)")
    p.add_argument("--n-blocks", type=int, default=6, help="CycleGAN ResNet blocks (6)")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--classifier-steps", type=int, default=500, help="steps of 64 per classifier (500)")
    p.add_argument(
        "--classifier-width", type=int, default=20, help="LeNet's first conv width (20; the second is 2.5x)"
    )
    p.add_argument(
        "--semantic",
        action="store_true",
        help="also train each CycleGAN with CyCADA's semantic-consistency term (arm cyclegan_semantic; doubles "
        "the CycleGAN tasks' training time)",
    )
    p.add_argument(
        "--semantic-only",
        action="store_true",
        help="train only the cyclegan_semantic arm of the CycleGAN tasks (the plain arm and the classical "
        "mappings of an earlier run of the same seeds come from that run's results.json through --merge)",
    )
    p.add_argument("--limit", type=int, default=None, help="first N images of each split (a quick check)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "bench_translation")
    p.add_argument("--work", type=Path, default=ROOT / "runs" / "bench_translation_work", help="Trainer root")
    p.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        default=None,
        help="results.json files of runs split by task/seed (one process each): write their union to --out",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="a seconds-long check: 2 steps, tiny classifiers, 100 images, 2 chains",
    )
    args = p.parse_args(argv)
    if args.merge:
        return merge(args.merge, args.out)
    if args.quick:
        args.steps = args.pix2pix_steps = 2
        args.classifier_steps, args.limit, args.width, args.n_blocks = 3, 100, 8, 1
    # the quick check tries two chains; a full run the whole grid
    args.chain_grid = QUICK_CHAIN_GRID if args.quick else CHAIN_GRID
    torch.set_num_threads(args.threads)
    start = time.process_time()
    runs: dict[str, dict[str, list[dict]]] = {}
    for seed in args.seeds:
        for task in args.tasks:
            for direction, methods in run_task(task, seed, args).items():
                for method, scores in methods.items():
                    runs.setdefault(direction, {}).setdefault(method, []).append(scores | {"seed": seed})
    report = {
        "seeds": args.seeds,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread(s)",
        "cpu_s": time.process_time() - start,
        "runs": runs,
    }
    write(report, args.out)
    return report


if __name__ == "__main__":
    main()
