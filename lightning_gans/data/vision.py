"""torchvision image sets as LightningDataModules: MNIST, FashionMNIST, CIFAR10, CelebA and any image folder.

Every module yields the batches torchvision's data set gives, ``(images, labels)``, with images of shape
``(batch_size, channels, image_size, image_size)`` scaled to [-1, 1]; a conditional GAN (``num_classes``) also
uses the labels.
``prepare_data`` downloads with torchvision's own download code when ``download`` is true (Lightning calls it
once per node, before ``setup``); ``setup`` only reads what is on disk and raises an error naming the folder
and the fix when something is missing or unreadable.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar
from urllib.error import URLError

import torch
from lightning.pytorch import LightningDataModule
from PIL import Image
from torch.utils.data import DataLoader, Dataset, Subset
from torchvision import datasets, transforms
from torchvision.datasets.folder import IMG_EXTENSIONS
from typing_extensions import override

from lightning_gans.data import one_class
from lightning_gans.data.transforms import ConvertMode, image_transform

# the data errors are defined in errors.py and still importable from here (their old home, listed in __all__)
from lightning_gans.errors import ConfigError, CorruptImageError, DataNotFoundError, DownloadError


def _check_channels(channels: int) -> None:
    if channels not in (1, 3):
        raise ValueError(
            f"channels must be 1 (grey) or 3 (RGB), got {channels}. Set the data module's channels to 1 or 3 "
            "(images are converted to that many channels) and the model's data_shape to match."
        )


class VisionDataModule(LightningDataModule, ABC):
    """Base of the image data modules: transforms, data loader and the shared checks.

    Subclasses implement ``_build_dataset(download)`` (the training split with ``self.transform()``, the
    library's one image transform) and may set ``crop_size`` (a center crop before the resize, as CelebA does).

    Args:
        root: where the data set lives (or is downloaded to).
        image_size: height and width of the images the loader yields.
        channels: 1 (grey) or 3 (RGB); images are converted when the set's own count differs.
        batch_size: samples per batch and process.
        num_workers: data loader worker processes (0 = load in the main process).
        download: download the set in ``prepare_data`` when it is not in ``root`` yet.
    """

    name: ClassVar[str] = "images"
    """The data set's name in messages."""

    num_classes: int | None = None
    """Classes of the labels the batches carry (a conditional model checks its own against it); None = the
    labels are not classes (CelebA's attributes)."""

    normal_classes: list[int] | None = None
    """One-class protocol (``lightning_gans.data.one_class``), for the sets that take it (MNIST, FashionMNIST,
    CIFAR-10): train on these classes, validate on held-out normal images, test on the whole test split."""
    val_fraction: float = 0.1
    val_set: Dataset | None = None
    """Held-out normal images (validation: thresholds, selection), or None."""
    test_set: Dataset | None = None
    """``(image, is_anomaly)`` test items under the one-class protocol, or None."""

    def __init__(
        self,
        root: str,
        image_size: int,
        channels: int,
        batch_size: int = 64,
        num_workers: int = 2,
        download: bool = False,
    ) -> None:
        super().__init__()
        _check_channels(channels)
        if image_size < 1:
            raise ValueError(f"image_size must be a positive number of pixels, got {image_size}.")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
        if num_workers < 0:
            raise ValueError(f"num_workers must be >= 0 (0 = load in the main process), got {num_workers}.")
        self.root = root
        self.image_size = image_size
        self.channels = channels
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.download = download
        self.train_set: Dataset | None = None

    @property
    def data_shape(self) -> tuple[int, int, int]:
        """``(channels, image_size, image_size)``: the shape of one image, checked against the model's."""
        return (self.channels, self.image_size, self.image_size)

    @property
    def root_path(self) -> Path:
        """``root`` as an absolute path (for messages)."""
        return Path(self.root).expanduser().absolute()

    crop_size: int | None = None  # an instance attribute in CelebA (its init argument)
    """A center crop before the resize (CelebA's face crop); None = none."""

    def transform(self) -> transforms.Compose:
        """PIL image -> ``(channels, image_size, image_size)`` float tensor in [-1, 1]: the library's one image
        transform (``lightning_gans.data.transforms.image_transform``), also used by ``score``."""
        return image_transform(self.channels, self.image_size, self.crop_size)

    @abstractmethod
    def _build_dataset(self, download: bool) -> Dataset:
        """The training split, transformed by ``self.transform()``; downloads first when ``download``."""

    @override
    def prepare_data(self) -> None:
        if self.download:
            self._build_dataset(download=True)

    @override
    def setup(self, stage: str | None = None) -> None:
        if self.train_set is None:
            self.train_set = self._build_dataset(download=False)
            if self.normal_classes is not None:
                self._one_class_split()
        if len(self.train_set) < self.batch_size:
            raise ConfigError(  # a ValueError: before, the CLI printed it as a traceback
                f"{self.name} in {self.root_path} has {len(self.train_set)} training images, fewer than "
                f"one batch (batch_size={self.batch_size}); the last partial batch is dropped, so nothing "
                f"would be trained on. Set --data.batch_size {len(self.train_set)} or lower, or add images."
            )

    def _one_class_split(self) -> None:
        """Training set -> normal training images less a held-out ``val_set``; ``test_set`` = the whole test
        split with ``is_anomaly`` labels."""
        targets = torch.as_tensor(self.train_set.targets)
        train_idx, val_idx = one_class.normal_split(targets, self.normal_classes, self.val_fraction)
        self.val_set = Subset(self.train_set, val_idx.tolist())
        self.train_set = Subset(self.train_set, train_idx.tolist())
        self.test_set = AnomalyLabels(self._make_test(), self.normal_classes)

    def _make_test(self) -> Dataset:
        """The test split (one-class protocol only)."""
        raise NotImplementedError(f"{self.name} has no one-class protocol (normal_classes)")

    def _eval_loader(self, dataset: Dataset) -> DataLoader:
        return DataLoader(dataset, batch_size=self.batch_size, num_workers=self.num_workers)

    @override
    def val_dataloader(self) -> DataLoader | list:
        """Held-out normal ``(images, labels)`` (``normal_classes``, or ImageFolder's ``val_fraction``); else
        nothing."""
        self.setup("fit")
        return [] if self.val_set is None else self._eval_loader(self.val_set)

    @override
    def test_dataloader(self) -> DataLoader | list:
        """The whole test split as ``(images, is_anomaly)`` under ``normal_classes``; nothing otherwise."""
        self.setup("fit")
        return [] if self.test_set is None else self._eval_loader(self.test_set)

    def class_counts(self) -> torch.Tensor:
        """``(num_classes,)`` training images per class (reads the labels torchvision loaded, not the images)."""
        if self.train_set is None:
            self.setup("fit")
        if isinstance(self.train_set, Subset):  # one-class: the normal training images
            targets = torch.as_tensor(self.train_set.dataset.targets)[self.train_set.indices]
        else:
            targets = torch.as_tensor(self.train_set.targets)
        return torch.bincount(targets, minlength=self.num_classes)

    def _pin_memory(self) -> bool:
        if self.trainer is not None:
            return self.trainer.strategy.root_device.type == "cuda"
        return torch.cuda.is_available()

    @override
    def train_dataloader(self) -> DataLoader:
        if self.train_set is None:
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


class TorchvisionDataModule(VisionDataModule):
    """A data set with torchvision's download code: wraps its errors in ones that say where it looked.

    Subclasses set ``dataset_class`` and implement ``folder``, ``_required_files`` and ``_make``.
    """

    dataset_class: ClassVar[type[Dataset]]
    manual_download: ClassVar[str] = ""
    """How to fetch the files by hand (appended to the messages)."""

    @property
    @abstractmethod
    def folder(self) -> Path:
        """The folder torchvision reads the set from."""

    @abstractmethod
    def _required_files(self) -> list[Path]:
        """The files (and folders) torchvision needs, for the messages."""

    @abstractmethod
    def _make(self, download: bool) -> Dataset:
        """Calls the torchvision class on the training split."""

    download_advice = "Set download: true to download it"
    """How a user of this module gets the set downloaded; a command without a ``download`` option says its own."""
    root_option = "root"
    """The name of the root setting in the user's terms (``--root`` for a command)."""

    def _manual_download(self) -> str:
        return self.manual_download.replace("<root>", str(self.root_path))

    @override
    def _build_dataset(self, download: bool) -> Dataset:
        if download:
            try:
                return self._make(download=True)
            except (RuntimeError, URLError, OSError) as err:
                raise DownloadError(
                    f"Downloading {self.name} into {self.folder} failed: {err}\n"
                    f"Check the internet connection and try again, or fetch the files by hand: "
                    f"{self._manual_download()} Then set download: false."
                ) from err
        try:
            return self._make(download=False)
        except RuntimeError as err:
            raise self._not_found_error() from err

    def _not_found_error(self) -> DataNotFoundError:
        missing = [p for p in self._required_files() if not p.exists()]
        if not self.folder.exists():
            problem = f"{self.name} was not found: the folder {self.folder} does not exist."
        elif missing:
            names = ", ".join(str(p.relative_to(self.folder)) for p in missing)
            problem = f"{self.name} is incomplete in {self.folder}: missing {names}."
        else:
            problem = (
                f"{self.name} in {self.folder} is corrupted or incomplete (a file's checksum does not "
                f"match). Delete {self.folder} and download it again."
            )
        if self.download:
            fix = (
                "prepare_data() downloads it since download is true (the Trainer calls prepare_data before "
                "setup; call it yourself when using the data module without a Trainer)."
            )
        else:
            fix = (
                f"{self.download_advice}, point {self.root_option} at the folder that holds "
                f"{self.folder.relative_to(self.root_path)}/, or fetch the files by hand: "
                f"{self._manual_download()}"
            )
        return DataNotFoundError(f"{problem} {fix}")


class MNISTDataModule(TorchvisionDataModule):
    """MNIST handwritten digits (60,000 28x28 grey training images), resized to ``image_size``.

    Files: ``<root>/MNIST/raw/train-images-idx3-ubyte`` and the other three idx files.

    Args:
        root: the folder that holds ``MNIST/`` (created by the download).
        image_size: height and width of the images (28 = original; 32 for DCGAN).
        channels: 1 (native) or 3 (grey copied to RGB).
        batch_size: samples per batch and process.
        num_workers: data loader worker processes.
        download: download the set in ``prepare_data`` when it is not in ``root`` yet.
        normal_classes: one-class protocol (Deep SVDD): train on these digits' training images less
            ``val_fraction`` held out (``val_dataloader``); ``test_dataloader`` = the whole test split as
            ``(images, is_anomaly)``. None = every class, no validation or test loader.
        val_fraction: share of the normal training images held out.
    """

    name = "MNIST"
    num_classes = 10
    dataset_class = datasets.MNIST
    manual_download = (
        "gunzip train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and "
        "t10k-labels-idx1-ubyte.gz from https://ossci-datasets.s3.amazonaws.com/mnist/ into "
        "<root>/MNIST/raw/."
    )

    def __init__(
        self,
        root: str = "data",
        image_size: int = 32,
        channels: int = 1,
        batch_size: int = 64,
        num_workers: int = 2,
        download: bool = True,
        normal_classes: list[int] | None = None,
        val_fraction: float = 0.1,
    ) -> None:
        super().__init__(root, image_size, channels, batch_size, num_workers, download)
        self.normal_classes = one_class.check_normal_classes(normal_classes, self.num_classes)
        self.val_fraction = val_fraction

    @property
    @override
    def folder(self) -> Path:
        return self.root_path / self.dataset_class.__name__ / "raw"

    @override
    def _required_files(self) -> list[Path]:
        return [self.folder / os.path.splitext(name)[0] for name, _ in self.dataset_class.resources]

    @override
    def _make(self, download: bool) -> Dataset:
        return self.dataset_class(self.root, train=True, transform=self.transform(), download=download)

    @override
    def _make_test(self) -> Dataset:
        return self.dataset_class(self.root, train=False, transform=self.transform())


class FashionMNISTDataModule(MNISTDataModule):
    """Fashion-MNIST (60,000 28x28 grey images of clothes), resized to ``image_size``.

    Files: ``<root>/FashionMNIST/raw/train-images-idx3-ubyte`` and the other three idx files.

    Args:
        root: the folder that holds ``FashionMNIST/`` (created by the download).
        image_size: height and width of the images (28 = original; 32 for DCGAN).
        channels: 1 (native) or 3 (grey copied to RGB).
        batch_size: samples per batch and process.
        num_workers: data loader worker processes.
        download: download the set in ``prepare_data`` when it is not in ``root`` yet.
    """

    name = "FashionMNIST"
    dataset_class = datasets.FashionMNIST
    manual_download = (
        "gunzip train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and "
        "t10k-labels-idx1-ubyte.gz from https://github.com/zalandoresearch/fashion-mnist into "
        "<root>/FashionMNIST/raw/."
    )


class CIFAR10DataModule(TorchvisionDataModule):
    """CIFAR-10 (50,000 32x32 colour training images in 10 classes).

    Files: ``<root>/cifar-10-batches-py/data_batch_1`` ... ``data_batch_5``, ``test_batch``, ``batches.meta``.

    Args:
        root: the folder that holds ``cifar-10-batches-py/`` (created by the download).
        image_size: height and width of the images (32 = original).
        channels: 3 (native) or 1 (converted to grey).
        batch_size: samples per batch and process.
        num_workers: data loader worker processes.
        download: download the set in ``prepare_data`` when it is not in ``root`` yet.
        normal_classes, val_fraction: the one-class protocol, as for ``MNISTDataModule``.
    """

    name = "CIFAR10"
    num_classes = 10
    dataset_class = datasets.CIFAR10
    manual_download = (
        "extract https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz into <root>, which makes "
        "<root>/cifar-10-batches-py/."
    )

    def __init__(
        self,
        root: str = "data",
        image_size: int = 32,
        channels: int = 3,
        batch_size: int = 64,
        num_workers: int = 2,
        download: bool = True,
        normal_classes: list[int] | None = None,
        val_fraction: float = 0.1,
    ) -> None:
        super().__init__(root, image_size, channels, batch_size, num_workers, download)
        self.normal_classes = one_class.check_normal_classes(normal_classes, self.num_classes)
        self.val_fraction = val_fraction

    @property
    @override
    def folder(self) -> Path:
        return self.root_path / self.dataset_class.base_folder

    @override
    def _required_files(self) -> list[Path]:
        cls = self.dataset_class
        names = [name for name, _ in cls.train_list + cls.test_list] + [cls.meta["filename"]]
        return [self.folder / name for name in names]

    @override
    def _make(self, download: bool) -> Dataset:
        return self.dataset_class(self.root, train=True, transform=self.transform(), download=download)

    @override
    def _make_test(self) -> Dataset:
        return self.dataset_class(self.root, train=False, transform=self.transform())


class CelebADataModule(TorchvisionDataModule):
    """CelebA aligned faces (162,770 178x218 colour training images), cropped to the face and resized.

    As in DCGAN, the centre ``crop_size`` x ``crop_size`` square (the face) is cut out, then resized to
    ``image_size``; ``crop_size: null`` keeps the whole width (resize the short side, centre-crop the height).
    Labels are the 40 binary attributes. torchvision downloads it from Google Drive, which needs the ``gdown``
    package and often fails on Drive's download quota; the files can be fetched by hand instead.

    Files: ``<root>/celeba/img_align_celeba/*.jpg``, ``list_eval_partition.txt``, ``identity_CelebA.txt``,
    ``list_attr_celeba.txt``, ``list_bbox_celeba.txt``, ``list_landmarks_align_celeba.txt``.

    Args:
        root: the folder that holds ``celeba/`` (created by the download).
        image_size: height and width of the images (64 for DCGAN).
        channels: 3 (native) or 1 (converted to grey).
        crop_size: side of the centre square cut out before resizing; None = no face crop.
        batch_size: samples per batch and process.
        num_workers: data loader worker processes.
        download: download the set in ``prepare_data`` when it is not in ``root`` yet.
    """

    name = "CelebA"
    dataset_class = datasets.CelebA
    manual_download = (
        "from the CelebA page (https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html), unzip "
        "img_align_celeba.zip into <root>/celeba/ (giving <root>/celeba/img_align_celeba/*.jpg) and put "
        "list_eval_partition.txt, identity_CelebA.txt, list_attr_celeba.txt, list_bbox_celeba.txt and "
        "list_landmarks_align_celeba.txt in <root>/celeba/."
    )

    def __init__(
        self,
        root: str = "data",
        image_size: int = 64,
        channels: int = 3,
        crop_size: int | None = 108,
        batch_size: int = 64,
        num_workers: int = 2,
        download: bool = True,
    ) -> None:
        super().__init__(root, image_size, channels, batch_size, num_workers, download)
        if crop_size is not None and crop_size < 1:
            raise ValueError(f"crop_size must be a positive number of pixels or null, got {crop_size}.")
        self.crop_size = crop_size

    @property
    @override
    def folder(self) -> Path:
        return self.root_path / self.dataset_class.base_folder

    @override
    def _required_files(self) -> list[Path]:
        names = [name for _, _, name in self.dataset_class.file_list if not name.endswith((".zip", ".7z"))]
        return [self.folder / "img_align_celeba"] + [self.folder / name for name in names]

    @override
    def _make(self, download: bool) -> Dataset:
        return self.dataset_class(
            self.root, split="train", target_type="attr", transform=self.transform(), download=download
        )


class AnomalyLabels(Dataset):
    """``(image, class)`` items -> ``(image, is_anomaly)``: 1 for a class not in ``normal_classes``."""

    def __init__(self, dataset: Dataset, normal_classes: list[int]) -> None:
        self.dataset = dataset
        self.normal = set(normal_classes)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        image, label = self.dataset[index]
        return image, int(int(label) not in self.normal)


def load_image(path: str, mode: str = "RGB") -> Image.Image:
    """torchvision's ``pil_loader`` (converted to ``mode``: "RGB" or "L"), raising a ``CorruptImageError`` that
    names an unreadable file."""
    return read_image(path).convert(mode)


def read_image(path: str) -> Image.Image:
    """The image at ``path`` in its own mode (``L``, ``RGB``, ...), read into memory; a ``CorruptImageError``
    names an unreadable file."""
    try:
        with open(path, "rb") as f:
            image = Image.open(f)
            image.load()
            return image
    except (OSError, SyntaxError, ValueError) as err:
        raise CorruptImageError(
            f"Cannot read the image {path}: {err}. Delete or replace that file (re-export it as PNG/JPEG)."
        ) from err


def find_corrupt_images(paths: list[str]) -> list[tuple[str, str]]:
    """``(path, reason)`` for each file PIL cannot open or whose data fails ``Image.verify()``."""
    bad = []
    for path in paths:
        try:
            with Image.open(path) as image:
                image.verify()
        except Exception as err:  # PIL raises many types for bad files
            bad.append((path, f"{type(err).__name__}: {err}"))
    return bad


class ImageFolderDataModule(VisionDataModule):
    """Any folder of images laid out as ``<root>/<class>/<image>.png`` (torchvision's ``ImageFolder``).

    Labels are the class subfolder's index (subfolders in sorted order); a single subfolder (e.g.
    ``<root>/all/``) is fine for an unconditional GAN, and ``num_classes`` (known after ``setup``) is the number
    of subfolders. Such data are as imbalanced as the folders are.
    Images are converted to ``channels``, resized (short side) to ``image_size`` and centre-cropped.

    Args:
        root: the folder of class subfolders.
        image_size: height and width of the images.
        channels: 3 (RGB) or 1 (grey).
        batch_size: samples per batch and process.
        num_workers: data loader worker processes.
        verify_images: at setup, open every file and run PIL's ``Image.verify()``, naming any unreadable
            file (reads each file's data once; turn off for very large folders).
        val_fraction: hold out this share of the images (all taken as normal) as validation data, e.g. 0.1 for
            an anomaly detector's threshold; 0 = train on every image, no validation loader.
    """

    name = "ImageFolder"

    def __init__(
        self,
        root: str,
        image_size: int = 64,
        channels: int = 3,
        batch_size: int = 64,
        num_workers: int = 2,
        verify_images: bool = True,
        val_fraction: float = 0.0,
    ) -> None:
        super().__init__(root, image_size, channels, batch_size, num_workers, download=False)
        self.verify_images = verify_images
        self.val_fraction = val_fraction

    @property
    def num_classes(self) -> int:  # type: ignore[override]
        """The number of class subfolders (reads the folder listing on first use)."""
        if self.train_set is None:
            self.setup("fit")
        return len(getattr(self.train_set, "dataset", self.train_set).classes)

    @override
    def setup(self, stage: str | None = None) -> None:
        if self.train_set is None and self.val_fraction > 0:
            # every image is normal: a fixed share is held out like the one-class protocol's validation images
            full = self._build_dataset(download=False)
            every = torch.zeros(len(full), dtype=torch.long)
            train_idx, val_idx = one_class.normal_split(every, [0], self.val_fraction)
            self.train_set, self.val_set = Subset(full, train_idx.tolist()), Subset(full, val_idx.tolist())
        super().setup(stage)

    @property
    def _layout(self) -> str:
        return f"Expected layout: {self.root_path}/<class>/<image>.png (e.g. {self.root_path}/all/0001.png)."

    @override
    def _build_dataset(self, download: bool) -> Dataset:
        root = self.root_path
        if not root.is_dir():
            what = "is a file, not a folder" if root.exists() else "does not exist"
            raise DataNotFoundError(
                f"The image folder {root} {what}. Point root at the folder of class subfolders. "
                f"{self._layout}"
            )
        try:
            dataset = datasets.ImageFolder(
                str(root), transform=self.transform(), loader=load_image, allow_empty=True
            )
        except FileNotFoundError as err:  # no class subfolders at all
            loose = [p.name for p in root.iterdir() if p.suffix.lower() in IMG_EXTENSIONS]
            hint = (
                f" Found {len(loose)} images directly in {root}: move them into a subfolder such as "
                f"{root}/all/."
                if loose
                else ""
            )
            raise DataNotFoundError(
                f"No class subfolders in the image folder {root}.{hint} {self._layout}"
            ) from err
        if len(dataset) == 0:
            raise DataNotFoundError(
                f"No images found in the class subfolders of {root} "
                f"(subfolders: {', '.join(dataset.classes)}; image files end in "
                f"{', '.join(IMG_EXTENSIONS)}). Add images or point root at another folder. {self._layout}"
            )
        if self.verify_images:
            bad = find_corrupt_images([path for path, _ in dataset.samples])
            if bad:
                listed = "\n".join(f"  {path} ({reason})" for path, reason in bad[:20])
                more = f"\n  ... and {len(bad) - 20} more" if len(bad) > 20 else ""
                raise CorruptImageError(
                    f"{len(bad)} of the {len(dataset)} image files in {root} cannot be read:\n"
                    f"{listed}{more}\n"
                    "Delete or replace these files (verify_images: false skips this check, but training then "
                    "stops at the first bad file)."
                )
        return dataset


__all__ = [
    "CIFAR10DataModule",
    "CelebADataModule",
    "ConvertMode",
    "CorruptImageError",
    "DataNotFoundError",
    "DownloadError",
    "FashionMNISTDataModule",
    "ImageFolderDataModule",
    "MNISTDataModule",
    "TorchvisionDataModule",
    "VisionDataModule",
]
