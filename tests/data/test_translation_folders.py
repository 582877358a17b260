"""Translation data from image folders: CycleGAN's unaligned and pix2pix's aligned layouts."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from PIL import Image

from lightning_gans import PairedImageFolder, UnpairedImageFolders
from lightning_gans.data.translation.images import ResizeCropFlip, to_tensor
from lightning_gans.data.vision import CorruptImageError, DataNotFoundError
from lightning_gans.errors import ConfigError
from tests.data.fake_sets import GREY_STEP, write_aligned, write_unaligned


def unpaired(root, **kwargs) -> UnpairedImageFolders:
    return UnpairedImageFolders(str(root), **{"load_size": 20, "crop_size": 16, "num_workers": 0, **kwargs})


def grey_index(image: torch.Tensor) -> int:
    """Which ``write_unaligned`` image a solid item is (its grey level)."""
    value = (image.mean() + 1) / 2 * 255
    return round(float(value) / GREY_STEP) - 1


def test_unpaired_epoch_is_the_larger_domain_each_once(tmp_path):
    dm = unpaired(write_unaligned(tmp_path), channels_b=1, batch_size=1)
    assert (dm.channels_a, dm.channels_b, dm.image_size, dm.paired) == (3, 1, 16, False)
    batches = list(dm.train_dataloader())
    assert len(batches) == 5  # trainA has 5 images (mixed L and RGB, some nested), trainB 3
    assert all(b["A"].shape == (1, 3, 16, 16) and b["B"].shape == (1, 1, 16, 16) for b in batches)
    assert all(b.keys() == {"A", "B"} for b in batches)
    assert sorted(grey_index(b["A"]) for b in batches) == [0, 1, 2, 3, 4]  # each A once per epoch
    assert {grey_index(b["B"]) for b in batches} <= {0, 1, 2}  # B drawn at random
    for b in batches:
        for x in (b["A"], b["B"]):
            assert x.min() >= -1 and x.max() <= 1


def test_unpaired_larger_b_and_test_loader(tmp_path):
    dm = unpaired(write_unaligned(tmp_path, {"trainA": 2, "trainB": 6, "testA": 2, "testB": 3}), batch_size=2)
    assert len(dm.train_dataloader()) == 3
    batches = list(dm.test_dataloader())
    test_a = torch.cat([b["A"] for b in batches])
    test_b = torch.cat([b["B"] for b in batches])
    assert test_a.shape == (3, 3, 16, 16)  # max(testA, testB) items, resized to crop_size
    # sorted paths: 0000.png, 0002.png, nested/0001.png; testA (2 images) repeats
    assert [grey_index(x) for x in test_a] == [0, 1, 0] and [grey_index(x) for x in test_b] == [0, 2, 1]


def test_train_transform_crops_and_flips_test_transform_resizes():
    ramp = np.tile(np.arange(37, dtype=np.uint8) * 6, (23, 1))  # brighter to the right, 37x23
    image = Image.fromarray(ramp, "L")
    torch.manual_seed(0)
    flipped = []
    for _ in range(20):
        x = ResizeCropFlip(20, 16)(image)
        assert x.shape == (1, 16, 16)
        flipped.append(bool(x[0, :, 0].mean() > x[0, :, -1].mean()))
    assert any(flipped) and not all(flipped)
    for _ in range(5):
        x = ResizeCropFlip(20, 16, flip=False)(image)
        assert x[0, :, 0].mean() < x[0, :, -1].mean()
    assert ResizeCropFlip(16, 16, train=False)(image).shape == (1, 16, 16)


@pytest.mark.parametrize(
    ("counts", "missing"),
    [({"trainA": 2}, "trainB"), ({"trainB": 2}, "trainA")],
)
def test_missing_domain_folder_is_named(tmp_path, counts, missing):
    write_unaligned(tmp_path, counts)
    with pytest.raises(
        DataNotFoundError, match=rf"{re.escape(str(tmp_path / missing))} does not exist.*trainA/\*\.png"
    ):
        unpaired(tmp_path).setup()


def test_missing_root_empty_domain_and_batch_too_large(tmp_path):
    with pytest.raises(
        DataNotFoundError, match=rf"root {re.escape(str(tmp_path / 'nowhere'))} does not exist"
    ):
        unpaired(tmp_path / "nowhere").setup()
    write_unaligned(tmp_path, {"trainA": 2})
    (tmp_path / "trainB").mkdir()
    (tmp_path / "trainB" / "notes.txt").write_text("not an image")
    with pytest.raises(DataNotFoundError, match=rf"No images in {re.escape(str(tmp_path / 'trainB'))}"):
        unpaired(tmp_path).setup()
    write_unaligned(tmp_path, {"trainB": 1})
    with pytest.raises(ConfigError, match=r"2 training items, fewer than one batch \(batch_size=4\)"):
        unpaired(tmp_path, batch_size=4).setup()


def test_crop_larger_than_load_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="crop_size 32 is larger than load_size 20"):
        unpaired(tmp_path, crop_size=32)
    with pytest.raises(ConfigError, match="channels_b must be 1"):
        unpaired(tmp_path, channels_b=4)


def test_unreadable_image_is_named(tmp_path):
    write_unaligned(tmp_path, {"trainA": 2, "trainB": 2})
    bad = tmp_path / "trainA" / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    with pytest.raises(CorruptImageError, match=rf"cannot be read: {re.escape(str(bad))}"):
        unpaired(tmp_path).setup()
    # unchecked at setup, the first read of the file names it (trainA is the larger domain: read in order)
    dm = unpaired(tmp_path, verify_images=False)
    dm.setup()
    with pytest.raises(CorruptImageError, match=rf"Cannot read the image {re.escape(str(bad))}"):
        for index in range(len(dm.train_set)):
            dm.train_set[index]


def paired(root, **kwargs) -> PairedImageFolder:
    return PairedImageFolder(str(root), **{"load_size": 20, "crop_size": 16, "num_workers": 0, **kwargs})


def expected_half(path, half: str, params, transform: ResizeCropFlip) -> torch.Tensor:
    """The reference: the file's half resized, cropped and flipped with PIL by hand."""
    image = Image.open(path).convert("RGB")
    width, height = image.size
    box = (0, 0, width // 2, height) if half == "left" else (width // 2, 0, width, height)
    part = image.crop(box).resize((transform.load_size,) * 2, Image.Resampling.BICUBIC)
    s = transform.crop_size
    part = part.crop((params.left, params.top, params.left + s, params.top + s))
    if params.flip:
        part = part.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return to_tensor(part)


@pytest.mark.parametrize("direction", ["AtoB", "BtoA"])
def test_paired_halves_share_crop_and_flip(tmp_path, direction):
    dm = paired(write_aligned(tmp_path), direction=direction)
    dm.setup()
    assert (dm.channels_a, dm.channels_b, dm.image_size, dm.paired) == (3, 3, 16, True)
    dataset = dm.train_set
    flips = set()
    for seed in range(8):
        torch.manual_seed(seed)
        params = dm.train_transform.draw()
        flips.add(params.flip)
        torch.manual_seed(seed)
        item = dataset[seed % len(dataset)]
        a_half, b_half = ("left", "right") if direction == "AtoB" else ("right", "left")
        path = dataset.paths[seed % len(dataset)]
        assert torch.equal(item["A"], expected_half(path, a_half, params, dm.train_transform))
        assert torch.equal(item["B"], expected_half(path, b_half, params, dm.train_transform))
        # the halves are each other's channels reversed: aligned pixel for pixel after the same crop and flip
        assert torch.equal(item["A"], item["B"].flip(0))
        left_blue_zero = item["A"][2] if direction == "AtoB" else item["B"][2]
        assert torch.all(left_blue_zero == -1)  # the left half (A for AtoB) has no blue
    assert flips == {True, False}


def test_paired_loaders_channels_and_no_val(tmp_path):
    dm = paired(write_aligned(tmp_path, {"train": 4, "test": 3}), channels_b=1, batch_size=2)
    batch = next(iter(dm.train_dataloader()))
    assert batch["A"].shape == (2, 3, 16, 16) and batch["B"].shape == (2, 1, 16, 16)
    assert dm.val_dataloader() == []
    test = list(dm.test_dataloader())
    assert sum(len(b["A"]) for b in test) == 3 and test[0]["A"].shape[1:] == (3, 16, 16)
    with pytest.raises(ConfigError, match="direction must be 'AtoB' or 'BtoA'"):
        paired(tmp_path, direction="AB")
    write_aligned(tmp_path / "no_train", {"test": 1})
    with pytest.raises(
        DataNotFoundError, match=rf"{re.escape(str(tmp_path / 'no_train' / 'train'))} does not"
    ):
        paired(tmp_path / "no_train").setup()
