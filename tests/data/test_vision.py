"""The torchvision data modules on tiny files in each set's real on-disk format (nothing is downloaded)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from urllib.error import URLError

import pytest
import torch
import torchvision
from jsonargparse import ArgumentParser
from lightning.pytorch import Trainer
from PIL import Image
from torch.utils.data import RandomSampler

from lightning_gans import DCGAN
from lightning_gans.data import (
    CelebADataModule,
    CIFAR10DataModule,
    FashionMNISTDataModule,
    ImageFolderDataModule,
    MNISTDataModule,
)
from lightning_gans.data.vision import CorruptImageError, DataNotFoundError, DownloadError
from lightning_gans.modules.checks import check_data_shape
from lightning_gans.nets import DCGANGenerator
from tests.data.fake_sets import (
    patch_celeba_md5,
    patch_cifar10_md5,
    patch_downloads,
    write_celeba,
    write_cifar10,
    write_fashion_mnist,
    write_image_folder,
    write_mnist,
)

TORCHVISION_MODULES = [MNISTDataModule, FashionMNISTDataModule, CIFAR10DataModule, CelebADataModule]
ALL_MODULES = [*TORCHVISION_MODULES, ImageFolderDataModule]


def write_set(cls, root: Path, monkeypatch) -> str:
    """Writes the tiny set ``cls`` reads under ``root``; returns the ``root`` argument for ``cls``."""
    if cls is MNISTDataModule:
        write_mnist(root)
    elif cls is FashionMNISTDataModule:
        write_fashion_mnist(root)
    elif cls is CIFAR10DataModule:
        patch_cifar10_md5(monkeypatch, write_cifar10(root))
    elif cls is CelebADataModule:
        patch_celeba_md5(monkeypatch, write_celeba(root))
    else:
        return str(write_image_folder(root / "images"))
    return str(root)


def make(cls, root: str, **kwargs):
    kwargs = {"batch_size": 4, "num_workers": 0, **kwargs}
    if cls is not ImageFolderDataModule:
        kwargs.setdefault("download", False)
    return cls(root=root, **kwargs)


def first_batch(dm) -> tuple[torch.Tensor, object]:
    dm.setup("fit")
    return next(iter(dm.train_dataloader()))


def check_images(images: torch.Tensor, shape: tuple[int, ...]) -> None:
    assert images.shape == shape
    assert images.dtype == torch.float32
    assert images.min() >= -1 and images.max() <= 1
    assert images.min() < 0 < images.max()  # scaled to [-1, 1], not [0, 1]


@pytest.mark.parametrize(
    ("cls", "shape"),
    [
        (MNISTDataModule, (1, 32, 32)),
        (FashionMNISTDataModule, (1, 32, 32)),
        (CIFAR10DataModule, (3, 32, 32)),
        (CelebADataModule, (3, 64, 64)),
        (ImageFolderDataModule, (3, 64, 64)),
    ],
)
def test_one_batch_with_defaults(cls, shape, tmp_path, monkeypatch):
    dm = make(cls, write_set(cls, tmp_path, monkeypatch))
    assert dm.data_shape == shape
    images, labels = first_batch(dm)
    check_images(images, (4, *shape))
    assert len(labels) == 4


@pytest.mark.parametrize(
    ("cls", "channels", "image_size"),
    [
        (MNISTDataModule, 3, 16),
        (FashionMNISTDataModule, 1, 28),
        (CIFAR10DataModule, 1, 64),
        (CelebADataModule, 1, 32),
        (ImageFolderDataModule, 1, 16),
    ],
)
def test_channels_and_size_are_converted(cls, channels, image_size, tmp_path, monkeypatch):
    dm = make(cls, write_set(cls, tmp_path, monkeypatch), channels=channels, image_size=image_size)
    assert dm.data_shape == (channels, image_size, image_size)
    images, _ = first_batch(dm)
    check_images(images, (4, channels, image_size, image_size))


def test_grey_copied_to_rgb_has_equal_channels(tmp_path):
    images, _ = first_batch(make(MNISTDataModule, str(write_mnist(tmp_path).parents[1]), channels=3))
    assert torch.equal(images[:, 0], images[:, 1]) and torch.equal(images[:, 1], images[:, 2])


@pytest.mark.parametrize("mode", ["L", "RGBA", "P"])
def test_image_folder_converts_any_mode(mode, tmp_path):
    root = write_image_folder(tmp_path, n=3, mode="RGB" if mode == "P" else mode)
    if mode == "P":
        for path in root.rglob("*.png"):
            Image.open(path).convert("P").save(path)
    for channels in (1, 3):
        images, labels = first_batch(make(ImageFolderDataModule, str(root), channels=channels, image_size=16))
        check_images(images, (4, channels, 16, 16))
        assert set(labels.tolist()) <= {0, 1}


def test_celeba_takes_the_train_split_and_crops_the_face(tmp_path, monkeypatch):
    patch_celeba_md5(monkeypatch, write_celeba(tmp_path, n=12))
    dm = make(CelebADataModule, str(tmp_path))
    dm.setup("fit")
    assert len(dm.train_set) == 8  # partitions cycle train x4, valid, test
    _, attributes = next(iter(dm.train_dataloader()))
    assert attributes.shape == (4, 40) and set(attributes.unique().tolist()) <= {0, 1}
    names = [type(t).__name__ for t in dm.transform().transforms]
    assert names == ["ConvertMode", "CenterCrop", "Resize", "CenterCrop", "ToTensor", "Normalize"]
    assert dm.transform().transforms[1].size == (108, 108)
    no_crop = CelebADataModule(root=str(tmp_path), crop_size=None)
    assert [type(t).__name__ for t in no_crop.transform().transforms][1:3] == ["Resize", "CenterCrop"]


def test_train_dataloader_settings(tmp_path, monkeypatch):
    root = str(write_mnist(tmp_path).parents[1])
    dm = make(MNISTDataModule, root, num_workers=2, batch_size=8)
    dm.setup("fit")
    loader = dm.train_dataloader()  # not iterated: no worker processes are started
    assert isinstance(loader.sampler, RandomSampler)
    assert loader.drop_last and loader.batch_size == 8
    assert loader.num_workers == 2 and loader.persistent_workers
    assert loader.pin_memory == torch.cuda.is_available()
    loader = make(MNISTDataModule, root, num_workers=0).train_dataloader()  # sets itself up
    assert loader.num_workers == 0 and not loader.persistent_workers
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert dm.train_dataloader().pin_memory


def test_fewer_images_than_a_batch(tmp_path):
    dm = make(MNISTDataModule, str(write_mnist(tmp_path, n=6).parents[1]), batch_size=8)
    with pytest.raises(
        ValueError,
        match=r"6 training images, fewer than one batch \(batch_size=8\).*--data.batch_size 6 or lower",
    ):
        dm.setup("fit")


# --- errors -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "folder"),
    [
        (MNISTDataModule, "MNIST/raw"),
        (FashionMNISTDataModule, "FashionMNIST/raw"),
        (CIFAR10DataModule, "cifar-10-batches-py"),
        (CelebADataModule, "celeba"),
    ],
)
def test_missing_folder_names_it_and_the_fix(cls, folder, tmp_path):
    root = tmp_path / "nowhere"
    dm = make(cls, str(root))
    dm.prepare_data()  # download is false: nothing happens
    with pytest.raises(DataNotFoundError) as info:
        dm.setup("fit")
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert f"{root / folder} does not exist" in message
    assert "download: true" in message and "point root at" in message


def test_missing_file_is_named(tmp_path):
    raw = write_mnist(tmp_path)
    (raw / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(
        DataNotFoundError, match=r"incomplete in .*MNIST/raw: missing train-labels-idx1-ubyte"
    ):
        make(MNISTDataModule, str(tmp_path)).setup("fit")


def test_missing_celeba_images_are_named(tmp_path, monkeypatch):
    folder = write_celeba(tmp_path)
    patch_celeba_md5(monkeypatch, folder)
    for path in (folder / "img_align_celeba").iterdir():
        path.unlink()
    (folder / "img_align_celeba").rmdir()
    with pytest.raises(DataNotFoundError, match=r"missing img_align_celeba\b.*download: true"):
        make(CelebADataModule, str(tmp_path)).setup("fit")


def test_checksum_mismatch_says_corrupted(tmp_path):
    write_cifar10(tmp_path)  # MD5s not patched: the real CIFAR-10 sums do not match the tiny files
    with pytest.raises(DataNotFoundError, match=r"corrupted or incomplete.*Delete .*cifar-10-batches-py"):
        make(CIFAR10DataModule, str(tmp_path)).setup("fit")


def test_setup_without_prepare_data_when_download_is_true(tmp_path):
    dm = make(MNISTDataModule, str(tmp_path), download=True)
    with pytest.raises(DataNotFoundError, match=r"does not exist\. prepare_data\(\) downloads it"):
        dm.setup("fit")


def test_image_folder_missing_root(tmp_path):
    with pytest.raises(
        DataNotFoundError, match=r"image folder .*nowhere does not exist.*<class>/<image>\.png"
    ):
        make(ImageFolderDataModule, str(tmp_path / "nowhere")).setup("fit")


def test_image_folder_empty_class_folders(tmp_path):
    (tmp_path / "cats").mkdir()
    (tmp_path / "dogs").mkdir()
    (tmp_path / "dogs" / "notes.txt").write_text("not an image")
    with pytest.raises(DataNotFoundError) as info:
        make(ImageFolderDataModule, str(tmp_path)).setup("fit")
    message = str(info.value)
    assert f"No images found in the class subfolders of {tmp_path}" in message
    assert "cats, dogs" in message and f"{tmp_path}/<class>/<image>.png" in message


def test_image_folder_images_without_class_folders(tmp_path):
    write_image_folder(tmp_path / "tmp", n=2, classes=("x",))
    for path in (tmp_path / "tmp" / "x").iterdir():
        path.rename(tmp_path / path.name)
    for path in [tmp_path / "tmp" / "x", tmp_path / "tmp"]:
        path.rmdir()
    with pytest.raises(DataNotFoundError, match=r"No class subfolders.*Found 2 images directly in .*/all/"):
        make(ImageFolderDataModule, str(tmp_path)).setup("fit")


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_image_folder_corrupt_image_is_named(damage, tmp_path):
    root = write_image_folder(tmp_path, n=3)
    bad = root / "dogs" / "0001.png"
    data = bad.read_bytes()
    bad.write_bytes(b"this is not a png" if damage == "garbage" else data[: len(data) // 2])
    with pytest.raises(CorruptImageError) as info:
        make(ImageFolderDataModule, str(root)).setup("fit")
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert f"1 of the 6 image files in {root} cannot be read" in message
    assert str(bad) in message and "Delete or replace" in message


def test_image_folder_unverified_corrupt_image_is_named_when_loaded(tmp_path):
    root = write_image_folder(tmp_path, n=2, classes=("all",))
    bad = root / "all" / "0000.png"
    bad.write_bytes(b"garbage")
    dm = make(ImageFolderDataModule, str(root), verify_images=False, batch_size=2)
    dm.setup("fit")  # not checked
    with pytest.raises(CorruptImageError, match=rf"Cannot read the image {bad}.*Delete or replace"):
        list(dm.train_dataloader())


@pytest.mark.parametrize("cls", ALL_MODULES)
@pytest.mark.parametrize("channels", [0, 2, 4])
def test_invalid_channels(cls, channels, tmp_path):
    with pytest.raises(ValueError, match=rf"channels must be 1 \(grey\) or 3 \(RGB\), got {channels}\. Set"):
        make(cls, str(tmp_path), channels=channels)


def test_channel_mismatch_with_the_model(tmp_path, monkeypatch):
    dm = make(CIFAR10DataModule, str(tmp_path))  # 3 channels
    grey_model = SimpleNamespace(generator=DCGANGenerator(latent_dim=8, image_size=32, channels=1, width=8))
    with pytest.raises(ValueError, match=r"channel count .*data gives \(3, 32, 32\).*makes \(1, 32, 32\)"):
        check_data_shape(grey_model, dm)
    check_data_shape(grey_model, make(CIFAR10DataModule, str(tmp_path), channels=1))  # converted: no error


@pytest.mark.parametrize("cls", ALL_MODULES)
def test_cli_signatures(cls, tmp_path):
    parser = ArgumentParser(exit_on_error=False)
    parser.add_class_arguments(cls, "data")
    config = parser.parse_args(
        ["--data.root", str(tmp_path), "--data.channels", "1", "--data.image_size", "16"]
    )
    dm = cls(**config.data.as_dict())
    assert dm.data_shape == (1, 16, 16)
    assert dm.root == str(tmp_path) and dm.batch_size == 64 and dm.num_workers == 2
    if cls is not ImageFolderDataModule:
        assert dm.download is True


# --- downloads ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "shape", "expected"),
    [
        (MNISTDataModule, (1, 32, 32), "MNIST/raw/train-images-idx3-ubyte"),
        (FashionMNISTDataModule, (1, 32, 32), "FashionMNIST/raw/t10k-labels-idx1-ubyte"),
        (CIFAR10DataModule, (3, 32, 32), "cifar-10-batches-py/data_batch_5"),
        (CelebADataModule, (3, 64, 64), "celeba/img_align_celeba/000001.jpg"),
    ],
)
def test_download(cls, shape, expected, tmp_path, monkeypatch):
    log = patch_downloads(monkeypatch, n=24)
    dm = make(cls, str(tmp_path), download=True)
    dm.prepare_data()
    assert (tmp_path / expected).is_file()
    dataset_class = cls.dataset_class
    if cls in (MNISTDataModule, FashionMNISTDataModule):  # first mirror, four .gz files
        assert log == [(dataset_class.mirrors[0] + name, name) for name, _ in dataset_class.resources]
    elif cls is CIFAR10DataModule:
        assert log == [(dataset_class.url, dataset_class.filename)]
    else:
        assert log == [(file_id, name) for file_id, _, name in dataset_class.file_list]
    dm.prepare_data()  # already there: nothing is fetched again
    assert len(log) == len(set(log))
    images, _ = first_batch(dm)
    check_images(images, (4, *shape))


def test_download_failure_says_how_to_fetch_by_hand(tmp_path, monkeypatch):
    def offline(url, *args, **kwargs):
        raise URLError("no network")

    monkeypatch.setattr(torchvision.datasets.utils, "download_url", offline)
    with pytest.raises(DownloadError) as info:
        make(MNISTDataModule, str(tmp_path), download=True).prepare_data()
    message = str(info.value)
    assert message.startswith(f"Downloading MNIST into {tmp_path}/MNIST/raw failed")
    assert "no network" in message
    assert "t10k-labels-idx1-ubyte.gz from https://ossci-datasets.s3.amazonaws.com/mnist/" in message
    assert message.endswith(f"into {tmp_path}/MNIST/raw/. Then set download: false.")


# --- with a Trainer -----------------------------------------------------------------------------------------


def tiny_trainer(tmp_path: Path) -> Trainer:
    return Trainer(
        max_steps=2,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=tmp_path,
    )


def test_fit_downloads_then_trains_with_a_worker(tmp_path, monkeypatch):
    log = patch_downloads(monkeypatch, n=16)
    dm = MNISTDataModule(root=str(tmp_path / "data"), image_size=16, batch_size=4, num_workers=1)
    model = DCGAN(data_shape=(1, 16, 16), latent_dim=8, generator_width=8, discriminator_width=8)
    trainer = tiny_trainer(tmp_path)
    trainer.fit(model, dm)  # prepare_data downloads, setup reads, the GAN takes batch[0]
    assert len(log) == 4 and trainer.global_step == 2


def test_fit_stops_on_a_channel_mismatch(tmp_path, monkeypatch):
    root = write_set(CIFAR10DataModule, tmp_path, monkeypatch)
    dm = make(CIFAR10DataModule, root, image_size=16)
    model = DCGAN(data_shape=(1, 16, 16), latent_dim=8, generator_width=8, discriminator_width=8)
    with pytest.raises(ValueError, match=r"channel count .*data gives \(3, 16, 16\)"):
        tiny_trainer(tmp_path).fit(model, dm)
