"""Translation data from image folders in the layouts of ``junyanz/pytorch-CycleGAN-and-pix2pix``.

- Unaligned (CycleGAN): ``ROOT/trainA``, ``ROOT/trainB`` (and ``testA``, ``testB``), one image per file.
- Aligned (pix2pix): ``ROOT/train``, ``ROOT/val``, ``ROOT/test``, each file one image with A in its left half
  and B in its right half.

Batches are ``{"A": (N, C_A, crop_size, crop_size), "B": (N, C_B, crop_size, crop_size)}`` in [-1, 1]
(``lightning_gans.data.translation``'s contract).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Literal

import torch
from lightning.pytorch import LightningDataModule
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from typing_extensions import override

from lightning_gans.data.translation.images import (
    PIL_MODE,
    ResizeCropFlip,
    check_channels,
    check_readable,
    find_images,
    read_image,
)
from lightning_gans.data.vision import DataNotFoundError
from lightning_gans.errors import ConfigError


class UnpairedImages(Dataset):
    """Items ``{"A": (C_A, S, S), "B": (C_B, S, S)}`` from two independent lists of image files.

    One epoch is ``max(len(paths_a), len(paths_b))`` items: item ``i`` takes the larger domain's image ``i``
    (so a shuffled epoch shows each of its images once) and an image of the other domain drawn at random
    (``random_other``; else ``i % len``, the deterministic order of a test pass). Each domain draws its own
    crop and flip.
    """

    def __init__(
        self,
        paths_a: list[str],
        paths_b: list[str],
        channels: tuple[int, int],
        transform: ResizeCropFlip,
        random_other: bool,
    ) -> None:
        self.paths = (paths_a, paths_b)
        self.channels = channels
        self.transform = transform
        self.random_other = random_other
        self.larger = 0 if len(paths_a) >= len(paths_b) else 1

    def __len__(self) -> int:
        return len(self.paths[self.larger])

    def _index(self, domain: int, index: int) -> int:
        size = len(self.paths[domain])
        if domain != self.larger and self.random_other:
            return int(torch.randint(0, size, ()))
        return index % size

    @override
    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        item = {}
        for domain, key in enumerate("AB"):
            path = self.paths[domain][self._index(domain, index)]
            item[key] = self.transform(read_image(path, self.channels[domain]))
        return item


class AlignedImages(Dataset):
    """Items ``{"A": (C_A, S, S), "B": (C_B, S, S)}`` from files holding A (left half) and B (right half).

    Both halves get the same resize, crop and flip, so ``A[:, y, x]`` and ``B[:, y, x]`` stay the same spot.
    ``direction`` "BtoA" swaps the halves (A = right half).
    """

    def __init__(
        self,
        paths: list[str],
        channels: tuple[int, int],
        transform: ResizeCropFlip,
        direction: Literal["AtoB", "BtoA"] = "AtoB",
    ) -> None:
        self.paths = paths
        self.channels = channels
        self.transform = transform
        self.direction = direction

    def __len__(self) -> int:
        return len(self.paths)

    @override
    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        image = read_image(self.paths[index], 3)
        width, height = image.size
        half = width // 2
        left, right = image.crop((0, 0, half, height)), image.crop((half, 0, width, height))
        if self.direction == "BtoA":
            left, right = right, left
        params = self.transform.draw()  # one draw for both halves
        return {
            "A": self.transform(_convert(left, self.channels[0]), params),
            "B": self.transform(_convert(right, self.channels[1]), params),
        }


def _convert(image: Image.Image, channels: int) -> Image.Image:
    return image if image.mode == PIL_MODE[channels] else image.convert(PIL_MODE[channels])


class TranslationFolders(LightningDataModule, ABC):
    """Options, checks and loaders shared by ``UnpairedImageFolders`` and ``PairedImageFolder``.

    Attributes a translation model sizes its networks by: ``channels_a``, ``channels_b``, ``image_size``
    (= ``crop_size``) and ``paired``.
    """

    paired: bool
    layout: str
    """The expected layout, for messages (``<root>`` is replaced)."""

    def __init__(
        self,
        root: str,
        load_size: int,
        crop_size: int,
        channels_a: int,
        channels_b: int,
        batch_size: int,
        num_workers: int,
        no_flip: bool,
        verify_images: bool,
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}.")
        if num_workers < 0:
            raise ConfigError(f"num_workers must be >= 0 (0 = load in the main process), got {num_workers}.")
        self.train_transform = ResizeCropFlip(load_size, crop_size, train=True, flip=not no_flip)
        self.test_transform = ResizeCropFlip(crop_size, crop_size, train=False)
        self.root = root
        self.load_size = load_size
        self.crop_size = crop_size
        self.image_size = crop_size
        self.channels_a = check_channels(channels_a, "channels_a")
        self.channels_b = check_channels(channels_b, "channels_b")
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.no_flip = no_flip
        self.verify_images = verify_images
        self.train_set: Dataset | None = None

    @property
    def root_path(self) -> Path:
        return Path(self.root).expanduser().absolute()

    def _images(self, folder: str) -> list[str]:
        """The images in ``root/folder``: errors name the folder and the layout."""
        root = self.root_path
        layout = self.layout.replace("<root>", str(root))
        if not root.is_dir():
            what = "is a file, not a folder" if root.exists() else "does not exist"
            raise DataNotFoundError(f"The translation data root {root} {what}. Point root at it. {layout}")
        paths = find_images(root / folder, layout)
        if self.verify_images:
            check_readable(paths, root / folder)
        return paths

    @abstractmethod
    def _train_set(self) -> Dataset: ...

    @abstractmethod
    def _test_set(self) -> Dataset: ...

    @override
    def setup(self, stage: str | None = None) -> None:
        if self.train_set is None:
            self.train_set = self._train_set()
        if len(self.train_set) < self.batch_size:
            raise ConfigError(
                f"{self.root_path} has {len(self.train_set)} training items, fewer than one batch "
                f"(batch_size={self.batch_size}); the last partial batch is dropped, so nothing would be "
                f"trained on. Set --data.batch_size {len(self.train_set)} or lower, or add images."
            )

    def _pin_memory(self) -> bool:
        if self.trainer is not None:
            return self.trainer.strategy.root_device.type == "cuda"
        return torch.cuda.is_available()

    @override
    def train_dataloader(self) -> DataLoader:
        self.setup("fit")
        return DataLoader(
            self.train_set,
            batch_size=self.batch_size,
            shuffle=True,
            drop_last=True,
            num_workers=self.num_workers,
            pin_memory=self._pin_memory(),
            persistent_workers=self.num_workers > 0,
        )

    def _eval_loader(self, dataset: Dataset) -> DataLoader:
        return DataLoader(dataset, batch_size=self.batch_size, num_workers=self.num_workers)

    @override
    def test_dataloader(self) -> DataLoader:
        """The test images resized to ``crop_size``, in file order (no crop, no flip)."""
        return self._eval_loader(self._test_set())


class UnpairedImageFolders(TranslationFolders):
    """Two unaligned image domains (CycleGAN): ``root/trainA``, ``root/trainB``, ``root/testA``, ``root/testB``.

    Images are found recursively (torchvision's extensions) and converted to ``channels_a``/``channels_b``
    (PIL mode L or RGB). Training items: resize to ``load_size``, random ``crop_size`` crop, random flip; an
    epoch is as long as the larger domain, the other domain drawn at random each item. Test items
    (``test_dataloader``: ``testA``, ``testB``): resized to ``crop_size``; ``max(len(testA), len(testB))``
    items, the smaller domain repeating.

    Batches: ``{"A": (batch_size, channels_a, crop_size, crop_size), "B": (batch_size, channels_b, crop_size,
    crop_size)}`` in [-1, 1], A and B independent.

    Args:
        root: the folder that holds trainA/ and trainB/.
        load_size: training images are resized to this square first.
        crop_size: then cropped to this square (``image_size`` of the batches).
        channels_a, channels_b: 1 (grey) or 3 (RGB) per domain; every image is converted.
        batch_size: items per batch and process (the reference uses 1).
        num_workers: data loader worker processes.
        no_flip: no random horizontal flip.
        verify_images: at setup, open every file and name any PIL cannot read.
    """

    paired = False
    layout = "Expected layout: <root>/trainA/*.png, <root>/trainB/*.png (and testA/, testB/ for testing)."

    def __init__(
        self,
        root: str,
        load_size: int = 286,
        crop_size: int = 256,
        channels_a: int = 3,
        channels_b: int = 3,
        batch_size: int = 1,
        num_workers: int = 2,
        no_flip: bool = False,
        verify_images: bool = True,
    ) -> None:
        super().__init__(
            root,
            load_size,
            crop_size,
            channels_a,
            channels_b,
            batch_size,
            num_workers,
            no_flip,
            verify_images,
        )

    def _pair(self, split: str, transform: ResizeCropFlip, random_other: bool) -> UnpairedImages:
        paths_a, paths_b = self._images(f"{split}A"), self._images(f"{split}B")
        return UnpairedImages(paths_a, paths_b, (self.channels_a, self.channels_b), transform, random_other)

    @override
    def _train_set(self) -> Dataset:
        return self._pair("train", self.train_transform, random_other=True)

    @override
    def _test_set(self) -> Dataset:
        return self._pair("test", self.test_transform, random_other=False)

    @override
    def val_dataloader(self) -> list:
        """Nothing: the reference layout has no validation folders."""
        return []


class PairedImageFolder(TranslationFolders):
    """Aligned pairs (pix2pix): ``root/train``, ``root/val``, ``root/test``, each file A | B side by side.

    The left half is A and the right half B (``direction: BtoA`` swaps them); both halves get the same resize
    to ``load_size``, crop and flip, so they stay aligned pixel for pixel. Validation and test items (``val/``,
    ``test/``) are resized to ``crop_size`` only.

    Batches: ``{"A": (batch_size, channels_a, crop_size, crop_size), "B": (batch_size, channels_b, crop_size,
    crop_size)}`` in [-1, 1], ``A[i]`` and ``B[i]`` the two halves of one file.

    Args:
        root: the folder that holds train/ (val/ and test/ optional until used).
        direction: "AtoB" (A = left half) or "BtoA" (A = right half).
        load_size, crop_size, channels_a, channels_b, batch_size, num_workers, no_flip, verify_images: as in
            ``UnpairedImageFolders``.
    """

    paired = True
    layout = (
        "Expected layout: <root>/train/*.jpg, each image A (left half) | B (right half); val/, test/ alike."
    )

    def __init__(
        self,
        root: str,
        direction: Literal["AtoB", "BtoA"] = "AtoB",
        load_size: int = 286,
        crop_size: int = 256,
        channels_a: int = 3,
        channels_b: int = 3,
        batch_size: int = 1,
        num_workers: int = 2,
        no_flip: bool = False,
        verify_images: bool = True,
    ) -> None:
        if direction not in ("AtoB", "BtoA"):
            raise ConfigError(f"direction must be 'AtoB' or 'BtoA', got {direction!r}.")
        super().__init__(
            root,
            load_size,
            crop_size,
            channels_a,
            channels_b,
            batch_size,
            num_workers,
            no_flip,
            verify_images,
        )
        self.direction = direction

    def _aligned(self, folder: str, transform: ResizeCropFlip) -> AlignedImages:
        channels = (self.channels_a, self.channels_b)
        return AlignedImages(self._images(folder), channels, transform, self.direction)

    @override
    def _train_set(self) -> Dataset:
        return self._aligned("train", self.train_transform)

    @override
    def _test_set(self) -> Dataset:
        return self._aligned("test", self.test_transform)

    @override
    def val_dataloader(self) -> DataLoader | list:
        """``root/val`` resized to ``crop_size`` when it exists; nothing otherwise."""
        if not (self.root_path / "val").is_dir():
            return []
        return self._eval_loader(self._aligned("val", self.test_transform))
