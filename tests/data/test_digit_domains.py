"""Embedded digit domains for translation: mnist5k, digits and the MNIST-M-style mnistm."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.datasets
import torch
from lightning.pytorch import LightningModule, Trainer

from lightning_gans import DigitDomainsDataModule, UnpairedImageFolders
from lightning_gans.data.mnist5k import load_mnist5k_split, mnist5k_unit_images
from lightning_gans.data.translation import load_domain, mnistm_unit_images
from lightning_gans.data.translation.domains import _domain_split
from lightning_gans.errors import ConfigError
from tests.data.fake_sets import write_unaligned


def row_index(batch: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """For each image of ``batch``, its index in ``images`` (the nearest under a fixed random projection)."""
    projection = torch.randn(images[0].numel(), 4, generator=torch.Generator().manual_seed(0))
    keys, batch_keys = images.flatten(1) @ projection, batch.flatten(1) @ projection
    return torch.cdist(batch_keys, keys).argmin(dim=1)


@pytest.mark.parametrize(
    ("name", "channels", "sizes"),
    [("mnist5k", 1, (4000, 1000)), ("digits", 1, (1437, 360)), ("mnistm", 3, (4000, 1000))],
)
def test_domain_shapes_ranges_and_labels(name, channels, sizes):
    for split, n in zip(("train", "test"), sizes, strict=True):
        images, labels = load_domain(name, split, 32)
        assert images.shape == (n, channels, 32, 32) and labels.shape == (n,) and labels.dtype == torch.long
        assert images.min() >= -1 and images.max() <= 1 and images.min() < -0.9 and images.max() > 0.9
        assert set(labels.tolist()) == set(range(10))
    _, mnist_labels = load_domain("mnist5k", "test", 32)
    if name == "mnistm":  # built from mnist5k: the same split and labels
        assert torch.equal(load_domain("mnistm", "test", 32)[1], mnist_labels)


def test_mnistm_is_deterministic_coloured_and_not_the_clean_digit():
    first = mnistm_unit_images()
    mnistm_unit_images.cache_clear()
    assert torch.equal(mnistm_unit_images(), first)
    clean, _ = mnist5k_unit_images()
    assert first.shape == (5000, 3, 28, 28)
    assert (first - clean).abs().mean() > 0.2  # a photo behind every digit
    assert (first[:, 0] - first[:, 2]).abs().mean() > 0.02  # colour, not grey


def test_mnistm_is_the_abs_difference_of_patch_and_digit(monkeypatch):
    photo = np.full((50, 60, 3), 51, dtype=np.uint8)  # 51 / 255 = 0.2 everywhere
    monkeypatch.setattr(
        sklearn.datasets, "load_sample_images", lambda: type("Bunch", (), {"images": [photo]})
    )
    mnistm_unit_images.cache_clear()
    try:
        clean, _ = mnist5k_unit_images()
        torch.testing.assert_close(mnistm_unit_images(), (0.2 - clean).abs().expand(-1, 3, -1, -1))
    finally:
        mnistm_unit_images.cache_clear()
        _domain_split.cache_clear()


def test_channels_option_and_load_domain_conversion():
    assert load_domain("mnist5k", "test", 16, channels=3)[0].shape == (1000, 3, 16, 16)
    grey = load_domain("mnistm", "test", 16, channels=1)[0]
    assert grey.shape == (1000, 1, 16, 16) and grey.min() >= -1 and grey.max() <= 1
    dm = DigitDomainsDataModule("digits", "mnistm", image_size=16, channels=3)
    assert (dm.channels_a, dm.channels_b, dm.image_size, dm.paired) == (3, 3, 16, False)
    native = DigitDomainsDataModule("digits", "mnistm", image_size=16)
    assert (native.channels_a, native.channels_b) == (1, 3)


def test_unpaired_epoch_covers_the_larger_domain_once(fast_trainer_kwargs):
    dm = DigitDomainsDataModule("digits", "mnist5k", image_size=16, batch_size=64)
    dm.trainer = Trainer(max_steps=1, **fast_trainer_kwargs)
    loader = dm.train_dataloader()
    batches = list(loader)
    assert len(batches) == len(loader) == 4000 // 64
    batch = batches[0]
    assert batch.keys() == {"A", "B", "A_label"}
    assert batch["A"].shape == (64, 1, 16, 16) and batch["B"].shape == (64, 1, 16, 16)
    b_train, _ = load_domain("mnist5k", "train", 16)
    seen = row_index(torch.cat([b["B"] for b in batches]), b_train)
    assert len(set(seen.tolist())) == 4000 // 64 * 64  # the larger domain (B) once each
    a_train, a_labels = load_domain("digits", "train", 16)
    index = row_index(batch["A"], a_train)
    assert torch.equal(batch["A_label"], a_labels[index])  # A's labels travel with A
    assert torch.equal(torch.cat([b["B"] for b in loader]), torch.cat([b["B"] for b in batches]))  # seeded


def test_paired_mnistm_and_clean_digits_are_the_same_digit():
    dm = DigitDomainsDataModule("mnistm", "mnist5k", image_size=28, paired=True, batch_size=32)
    assert (dm.channels_a, dm.channels_b, dm.paired) == (3, 1, True)
    batch = next(iter(dm.train_dataloader()))
    mnistm, _ = load_domain("mnistm", "train", 28)
    clean, labels = load_domain("mnist5k", "train", 28)
    index = row_index(batch["A"], mnistm)
    assert torch.equal(row_index(batch["B"], clean), index)
    assert torch.equal(batch["A_label"], labels[index])
    assert torch.equal(batch["B"], clean[index])


def test_test_loader_is_the_fixed_test_splits_in_order():
    dm = DigitDomainsDataModule("mnist5k", "digits", image_size=16, batch_size=8)
    batches = list(dm.test_dataloader())
    a = torch.cat([b["A"] for b in batches])
    b = torch.cat([b["B"] for b in batches])
    assert len(a) == 1000 and torch.equal(a, load_domain("mnist5k", "test", 16)[0])
    digits_test = load_domain("digits", "test", 16)[0]
    assert torch.equal(b[:360], digits_test) and torch.equal(b[360:720], digits_test)  # the smaller repeats
    assert torch.equal(torch.cat([b["A_label"] for b in batches]), load_mnist5k_split(16)["test_labels"])
    assert dm.val_dataloader() == []


def test_bad_options_are_refused():
    with pytest.raises(ConfigError, match="paired: true needs source and target mnist5k and mnistm"):
        DigitDomainsDataModule("digits", "mnistm", paired=True)
    with pytest.raises(ConfigError, match="source must be one of mnist5k, digits, mnistm"):
        DigitDomainsDataModule("usps", "mnistm")
    with pytest.raises(ConfigError, match="channels must be 1, 3 or null"):
        DigitDomainsDataModule(channels=2)
    with pytest.raises(ConfigError, match="batch_size 5000 is larger"):
        DigitDomainsDataModule(batch_size=5000).train_dataloader()


class _Translator(LightningModule):
    """Records the batches Lightning hands a translation model."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(()))
        self.seen: list[dict] = []

    def training_step(self, batch, batch_idx):
        self.seen.append({k: (tuple(v.shape), v.dtype) for k, v in batch.items()})
        return self.weight * (batch["A"].mean() - batch["B"].mean())

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.0)


def test_trainer_fits_on_translation_batches(fast_trainer_kwargs, tmp_path):
    model = _Translator()
    Trainer(max_steps=2, **fast_trainer_kwargs).fit(
        model, DigitDomainsDataModule(image_size=16, batch_size=4)
    )
    assert model.seen[0] == {
        "A": ((4, 1, 16, 16), torch.float32),
        "B": ((4, 3, 16, 16), torch.float32),
        "A_label": ((4,), torch.int64),
    }
    model = _Translator()
    folders = UnpairedImageFolders(
        str(write_unaligned(tmp_path / "data")), load_size=12, crop_size=8, channels_a=3, channels_b=1,
        batch_size=2, num_workers=0,
    )  # fmt: skip
    Trainer(max_steps=2, **fast_trainer_kwargs).fit(model, folders)
    assert model.seen[0] == {"A": ((2, 3, 8, 8), torch.float32), "B": ((2, 1, 8, 8), torch.float32)}
