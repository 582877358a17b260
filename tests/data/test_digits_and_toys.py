"""The embedded digits and the 2-D toy sets."""

import math

import pytest
import torch
from lightning.pytorch import Trainer

from lightning_gans import DigitsDataModule, Toy2DDataModule
from lightning_gans.data.digits import load_digits_split
from lightning_gans.data.tensor_loader import TensorBatchLoader
from lightning_gans.data.toy2d import sample_toy, toy_modes


@pytest.mark.parametrize("size", [8, 16, 32])
def test_digits_split_is_fixed_scaled_and_resized(size):
    a, b = load_digits_split(size), load_digits_split(size)
    assert a["train"].shape == (1437, 1, size, size) and a["test"].shape == (360, 1, size, size)
    assert torch.equal(a["train"], b["train"]) and torch.equal(a["test_labels"], b["test_labels"])
    assert a["train"].min() >= -1 and a["train"].max() <= 1
    assert a["train"].min() == -1 and a["train"].max() > 0.9  # background black, strokes bright
    # stratified: every class in both splits
    assert set(a["test_labels"].tolist()) == set(range(10))


def test_digits_module_batches_live_on_the_training_device(fast_trainer_kwargs):
    dm = DigitsDataModule(image_size=16, batch_size=32)
    trainer = Trainer(max_steps=1, **fast_trainer_kwargs)
    dm.trainer = trainer
    loader = dm.train_dataloader()
    batches = list(loader)
    assert len(batches) == len(loader) == 1437 // 32
    assert all(x.shape == (32, 1, 16, 16) and x.device == trainer.strategy.root_device for x, _ in batches)
    assert all(y.shape == (32,) and y.device == trainer.strategy.root_device for _, y in batches)
    assert dm.data_shape == (1, 16, 16)


def test_tensor_loader_shuffles_per_epoch_and_shards_by_rank():
    data = torch.arange(20).float().unsqueeze(1)
    epoch = {"value": 0}
    loaders = [
        TensorBatchLoader(data, 5, seed=1, rank=r, world_size=2, epoch=lambda: epoch["value"]) for r in (0, 1)
    ]
    first = [torch.cat(list(loader)) for loader in loaders]
    # the two ranks see disjoint halves that together cover the data
    assert sorted(torch.cat(first).flatten().tolist()) == list(range(20))
    assert torch.equal(torch.cat(list(loaders[0])), first[0])  # same epoch, same order
    epoch["value"] = 1
    assert not torch.equal(torch.cat(list(loaders[0])), first[0])  # next epoch, new order
    with pytest.raises(ValueError, match="batch_size"):
        TensorBatchLoader(data, 11, world_size=2)


def test_ring8_modes_are_distinct_points_on_the_unit_circle():
    modes, std = toy_modes("ring8")
    assert modes.shape == (8, 2) and std == 0.01
    torch.testing.assert_close(modes.norm(dim=1), torch.ones(8))
    # no repeated mode (the linspace(0, 2*pi, 8) pitfall)
    assert torch.cdist(modes, modes).add(torch.eye(8)).min() > 0.7
    angles = torch.atan2(modes[:, 1], modes[:, 0]) % (2 * math.pi)
    torch.testing.assert_close(angles.sort().values, torch.arange(8) * 2 * math.pi / 8, atol=1e-5, rtol=0)


def test_grid25_modes():
    modes, std = toy_modes("grid25")
    assert modes.shape == (25, 2) and std == 0.05
    assert sorted(set(modes[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_toy_samples_cluster_around_every_mode(name):
    modes, std = toy_modes(name)
    samples = sample_toy(name, 20000, generator=torch.Generator().manual_seed(0))
    distance, nearest = torch.cdist(samples, modes).min(dim=1)
    assert (distance < 4 * std).float().mean() > 0.99
    counts = torch.bincount(nearest, minlength=len(modes)).float()
    assert counts.min() / counts.max() > 0.8  # uniform over modes


def test_toy_module(fast_trainer_kwargs):
    dm = Toy2DDataModule("grid25", batch_size=7, batches_per_epoch=3)
    dm.trainer = Trainer(max_steps=1, **fast_trainer_kwargs)
    batches = list(dm.train_dataloader())
    assert len(batches) == 3 and all(b.shape == (7, 2) for b in batches)
    assert not torch.equal(batches[0], batches[1])  # drawn fresh
    with pytest.raises(ValueError, match="unknown toy"):
        Toy2DDataModule("spiral")
