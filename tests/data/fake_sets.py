"""Tiny data sets in each torchvision set's real on-disk format, so tests run the real loading code offline.

Writers (each returns the folder torchvision reads):

- ``write_mnist(root)`` / ``write_fashion_mnist(root)``: the four idx-ubyte files in ``<root>/MNIST/raw/``
  (``FashionMNIST/raw/``).
- ``write_cifar10(root)``: the python pickles in ``<root>/cifar-10-batches-py/``. torchvision checks their
  MD5s: call ``patch_cifar10_md5(monkeypatch, folder)`` too.
- ``write_celeba(root)``: ``<root>/celeba/img_align_celeba/*.jpg`` and the five annotation files. torchvision
  checks the annotation files' MD5s: call ``patch_celeba_md5(monkeypatch, folder)`` too.
- ``write_image_folder(root)``: ``<root>/<class>/<i>.png``.
- ``write_unaligned(root)``: CycleGAN's ``<root>/{train,test}{A,B}/`` of solid-grey images (mixed sizes and modes).
- ``write_aligned(root)``: pix2pix's ``<root>/{train,test}/<i>.png``, A | B side by side.

``patch_downloads(monkeypatch)`` makes torchvision's download functions serve these tiny files (as the real
archives: ``.gz``, ``.tar.gz``, ``.zip``) instead of fetching anything, and patches the MD5 lists to match.

Import with ``from tests.data.fake_sets import write_mnist`` (pytest's ``--import-mode=importlib`` makes
``tests`` a namespace package).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import struct
import tarfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PIL import Image

MNIST_IMAGE_MAGIC = 0x00000803  # unsigned byte, 3 dimensions
MNIST_LABEL_MAGIC = 0x00000801  # unsigned byte, 1 dimension

CIFAR10_LABEL_NAMES = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
]

# the 40 attribute names, in the order of the header line of list_attr_celeba.txt
CELEBA_ATTRIBUTES = [
    *("5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald", "Bangs", "Big_Lips"),
    *("Big_Nose", "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair", "Bushy_Eyebrows", "Chubby"),
    *("Double_Chin", "Eyeglasses", "Goatee", "Gray_Hair", "Heavy_Makeup", "High_Cheekbones", "Male"),
    *("Mouth_Slightly_Open", "Mustache", "Narrow_Eyes", "No_Beard", "Oval_Face", "Pale_Skin", "Pointy_Nose"),
    *("Receding_Hairline", "Rosy_Cheeks", "Sideburns", "Smiling", "Straight_Hair", "Wavy_Hair"),
    *("Wearing_Earrings", "Wearing_Hat", "Wearing_Lipstick", "Wearing_Necklace", "Wearing_Necktie", "Young"),
]
CELEBA_LANDMARKS = [
    *("lefteye_x", "lefteye_y", "righteye_x", "righteye_y", "nose_x", "nose_y"),
    *("leftmouth_x", "leftmouth_y", "rightmouth_x", "rightmouth_y"),
]
CELEBA_IMAGE_SIZE = (178, 218)  # width, height of the aligned and cropped images


def _write(folder: Path, files: Mapping[str, bytes]) -> Path:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


# --- MNIST / FashionMNIST: big-endian idx files -------------------------------------------------------------


def idx_images(images: np.ndarray) -> bytes:
    """An idx3-ubyte file: magic 2051, count, rows, columns (big-endian int32), then the uint8 pixels."""
    n, rows, cols = images.shape
    return struct.pack(">IIII", MNIST_IMAGE_MAGIC, n, rows, cols) + images.astype(np.uint8).tobytes()


def idx_labels(labels: np.ndarray) -> bytes:
    """An idx1-ubyte file: magic 2049, count (big-endian int32), then the uint8 labels."""
    return struct.pack(">II", MNIST_LABEL_MAGIC, len(labels)) + labels.astype(np.uint8).tobytes()


def mnist_files(n: int = 32, n_test: int = 8, seed: int = 0) -> dict[str, bytes]:
    """The four raw MNIST files (uncompressed), ``n`` training and ``n_test`` test images of 28x28."""
    rng = np.random.default_rng(seed)
    files = {}
    for split, count in (("train", n), ("t10k", n_test)):
        images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        files[f"{split}-images-idx3-ubyte"] = idx_images(images)
        files[f"{split}-labels-idx1-ubyte"] = idx_labels(rng.integers(0, 10, count, dtype=np.uint8))
    return files


def write_mnist(root: str | Path, n: int = 32, n_test: int = 8, seed: int = 0, name: str = "MNIST") -> Path:
    """Writes ``<root>/<name>/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte``; returns that raw folder."""
    return _write(Path(root) / name / "raw", mnist_files(n, n_test, seed))


def write_fashion_mnist(root: str | Path, n: int = 32, n_test: int = 8, seed: int = 0) -> Path:
    """Writes ``<root>/FashionMNIST/raw/`` (same idx format as MNIST); returns that raw folder."""
    return write_mnist(root, n, n_test, seed, name="FashionMNIST")


# --- CIFAR-10: python pickles -------------------------------------------------------------------------------


def _cifar_batch(label: str, images: np.ndarray, labels: np.ndarray, first: int) -> bytes:
    entry = {
        "batch_label": label,
        "labels": [int(y) for y in labels],
        "data": images.reshape(len(images), 3 * 32 * 32),  # rows: 1024 red, 1024 green, 1024 blue values
        "filenames": [f"img_{first + i:05d}.png" for i in range(len(images))],
    }
    return pickle.dumps(entry, protocol=2)


def cifar10_files(n: int = 40, n_test: int = 8, seed: int = 0) -> dict[str, bytes]:
    """``data_batch_1`` ... ``data_batch_5`` (``n`` images in all), ``test_batch`` and ``batches.meta``."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
    labels = rng.integers(0, 10, n)
    files = {}
    first = 0
    for i, idx in enumerate(np.array_split(np.arange(n), 5), start=1):
        files[f"data_batch_{i}"] = _cifar_batch(f"training batch {i} of 5", images[idx], labels[idx], first)
        first += len(idx)
    test_images = rng.integers(0, 256, (n_test, 3, 32, 32), dtype=np.uint8)
    files["test_batch"] = _cifar_batch("testing batch 1 of 1", test_images, rng.integers(0, 10, n_test), 0)
    meta = {"num_cases_per_batch": -(-n // 5), "label_names": CIFAR10_LABEL_NAMES, "num_vis": 3072}
    files["batches.meta"] = pickle.dumps(meta, protocol=2)
    return files


def write_cifar10(root: str | Path, n: int = 40, n_test: int = 8, seed: int = 0) -> Path:
    """Writes ``<root>/cifar-10-batches-py/``; returns it. Call ``patch_cifar10_md5`` before loading."""
    return _write(Path(root) / "cifar-10-batches-py", cifar10_files(n, n_test, seed))


def _read(source: Path | Mapping[str, bytes], names: list[str]) -> dict[str, bytes]:
    if isinstance(source, Mapping):
        return {name: source[name] for name in names}
    return {name: (Path(source) / name).read_bytes() for name in names}


def patch_cifar10_md5(monkeypatch, source: str | Path | Mapping[str, bytes]) -> None:
    """Sets ``CIFAR10.train_list``/``test_list``/``meta`` to the MD5s of the tiny files.

    ``source``: the ``cifar-10-batches-py`` folder written by ``write_cifar10``, or ``cifar10_files()``.
    """
    from torchvision.datasets import CIFAR10

    source = source if isinstance(source, Mapping) else Path(source)
    names = [name for name, _ in CIFAR10.train_list + CIFAR10.test_list] + [CIFAR10.meta["filename"]]
    sums = {name: md5(data) for name, data in _read(source, names).items()}
    monkeypatch.setattr(CIFAR10, "train_list", [[name, sums[name]] for name, _ in CIFAR10.train_list])
    monkeypatch.setattr(CIFAR10, "test_list", [[name, sums[name]] for name, _ in CIFAR10.test_list])
    monkeypatch.setattr(CIFAR10, "meta", {**CIFAR10.meta, "md5": sums[CIFAR10.meta["filename"]]})


# --- CelebA: JPEGs and space-separated annotation files -----------------------------------------------------


def _jpeg(rng: np.random.Generator, size: tuple[int, int]) -> bytes:
    width, height = size
    # smooth colour gradients plus noise: a plausible photo that JPEG compresses quickly
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 // width, y * 255 // height, (x + y) * 255 // (width + height)], axis=-1)
    pixels = np.clip(base + rng.integers(-20, 21, base.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def celeba_files(n: int = 12, seed: int = 0) -> dict[str, bytes]:
    """``img_align_celeba/000001.jpg`` ... (178x218) and the five annotation files for ``n`` images.

    Partitions cycle train, train, train, train, valid, test: 2/3 of the images are in the training split.
    """
    rng = np.random.default_rng(seed)
    names = [f"{i:06d}.jpg" for i in range(1, n + 1)]
    files = {f"img_align_celeba/{name}": _jpeg(rng, CELEBA_IMAGE_SIZE) for name in names}
    partition = [(0, 0, 0, 0, 1, 2)[i % 6] for i in range(n)]

    def table(rows: list[str], header: str | None = None) -> bytes:
        lines = ([str(n), header] if header is not None else []) + rows
        return ("\n".join(lines) + "\n").encode()

    files["list_eval_partition.txt"] = table([f"{f} {p}" for f, p in zip(names, partition, strict=True)])
    files["identity_CelebA.txt"] = table([f"{name} {rng.integers(1, 10178)}" for name in names])
    attr_rows = [
        name + "".join(f" {v:2d}" for v in rng.choice([-1, 1], len(CELEBA_ATTRIBUTES))) for name in names
    ]
    files["list_attr_celeba.txt"] = table(attr_rows, " ".join(CELEBA_ATTRIBUTES) + " ")
    bbox_rows = [
        f"{name} {rng.integers(0, 200):5d} {rng.integers(0, 200):5d} {rng.integers(100, 400):5d} "
        f"{rng.integers(100, 500):5d}"
        for name in names
    ]
    files["list_bbox_celeba.txt"] = table(bbox_rows, "image_id x_1 y_1 width height ")
    landmark_rows = [name + "".join(f" {v:4d}" for v in rng.integers(60, 160, 10)) for name in names]
    files["list_landmarks_align_celeba.txt"] = table(landmark_rows, " ".join(CELEBA_LANDMARKS) + " ")
    return files


def celeba_zip(files: Mapping[str, bytes]) -> bytes:
    """``img_align_celeba.zip`` as on the CelebA drive: the JPEGs under ``img_align_celeba/``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            if name.startswith("img_align_celeba/"):
                archive.writestr(name, data)
    return buffer.getvalue()


def write_celeba(root: str | Path, n: int = 12, seed: int = 0) -> Path:
    """Writes ``<root>/celeba/``; returns it. Call ``patch_celeba_md5`` before loading."""
    return _write(Path(root) / "celeba", celeba_files(n, seed))


def patch_celeba_md5(monkeypatch, source: str | Path | Mapping[str, bytes]) -> None:
    """Sets ``CelebA.file_list`` MD5s to those of the tiny annotation files (the zip's entry is kept).

    ``source``: the ``celeba`` folder written by ``write_celeba``, or ``celeba_files()``'s dict.
    """
    from torchvision.datasets import CelebA

    source = source if isinstance(source, Mapping) else Path(source)
    names = [name for _, _, name in CelebA.file_list if name.endswith(".txt")]
    sums = {name: md5(data) for name, data in _read(source, names).items()}
    if isinstance(source, Mapping):
        sums["img_align_celeba.zip"] = md5(celeba_zip(source))
    file_list = [(file_id, sums.get(name, old), name) for file_id, old, name in CelebA.file_list]
    monkeypatch.setattr(CelebA, "file_list", file_list)


# --- ImageFolder: <root>/<class>/<image>.png ----------------------------------------------------------------


def write_image_folder(
    root: str | Path,
    n: int = 6,
    classes: tuple[str, ...] = ("cats", "dogs"),
    size: tuple[int, int] = (40, 30),
    mode: str = "RGB",
    suffix: str = ".png",
    seed: int = 0,
) -> Path:
    """Writes ``n`` random ``size`` (width, height) images per class in ``<root>/<class>/``; returns root."""
    rng = np.random.default_rng(seed)
    root = Path(root)
    width, height = size
    shape = (height, width) if mode == "L" else (height, width, len(mode))
    for name in classes:
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            pixels = rng.integers(0, 256, shape, dtype=np.uint8)
            Image.fromarray(pixels, mode).save(root / name / f"{i:04d}{suffix}")
    return root


# --- image translation: CycleGAN's unaligned and pix2pix's aligned layouts ----------------------------------


def write_unaligned(
    root: str | Path, counts: Mapping[str, int] | None = None, size: tuple[int, int] = (37, 23)
) -> Path:
    """Writes ``<root>/<folder>/.../<i>.png`` for each ``folder: count`` (default trainA 5, trainB 3, testA 2,
    testB 4); returns root.

    Image ``i`` of a folder is solid grey ``GREY_STEP * (i + 1)``, so an item is identified after any crop or
    flip; even images are mode L, odd ones RGB (a domain mixing both), every other one in a subfolder (found
    recursively), ``size`` (width, height) odd on purpose.
    """
    counts = counts or {"trainA": 5, "trainB": 3, "testA": 2, "testB": 4}
    root = Path(root)
    width, height = size
    for folder, count in counts.items():
        for i in range(count):
            value = GREY_STEP * (i + 1)
            image = (
                Image.new("L", (width, height), value) if i % 2 == 0 else Image.new("RGB", size, (value,) * 3)
            )
            path = root / folder / ("nested" if i % 2 else "") / f"{i:04d}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            image.save(path)
    return root


GREY_STEP = 40
"""``write_unaligned``'s grey levels: image ``i`` is ``GREY_STEP * (i + 1)`` (at most 6 images per folder)."""


def aligned_pixels(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """``(H, 2W, 3)`` uint8 A | B: A = random ``(r, g, 0)``, B = A's channels reversed, ``(0, g, r)``."""
    width, height = size
    a = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    a[..., 2] = 0
    return np.concatenate([a, a[..., ::-1]], axis=1)


def write_aligned(
    root: str | Path, counts: Mapping[str, int] | None = None, size: tuple[int, int] = (19, 23), seed: int = 0
) -> Path:
    """Writes ``<root>/<split>/<i>.png`` for each ``split: count`` (default train 4, test 2): each file two
    ``size`` (width, height) halves side by side (``aligned_pixels``); returns root."""
    rng = np.random.default_rng(seed)
    root = Path(root)
    for split, count in (counts or {"train": 4, "test": 2}).items():
        (root / split).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            Image.fromarray(aligned_pixels(rng, size), "RGB").save(root / split / f"{i:04d}.png")
    return root


# --- downloads ----------------------------------------------------------------------------------------------


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _tar_gz(files: Mapping[str, bytes], folder: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def patch_downloads(monkeypatch, n: int = 32, seed: int = 0) -> list[tuple[str, str]]:
    """Makes torchvision's downloads serve the tiny sets; returns a log of ``(url or drive id, file name)``.

    Patches ``torchvision.datasets.utils.download_url`` (what ``download_and_extract_archive`` calls for
    MNIST, FashionMNIST and CIFAR10) and ``torchvision.datasets.celeba.download_file_from_google_drive``;
    they write the archive the real server would send (``*.gz``, ``cifar-10-python.tar.gz``,
    ``img_align_celeba.zip``, the ``.txt`` files), and torchvision's own code extracts and checks them. The
    MD5 lists of CIFAR10 and CelebA are patched to the tiny files'.
    """
    import torchvision.datasets.celeba
    import torchvision.datasets.utils

    mnist = {f"{name}.gz": _gzip(data) for name, data in mnist_files(n, max(n // 4, 1), seed).items()}
    cifar = cifar10_files(n, max(n // 4, 1), seed)
    celeba = celeba_files(n, seed)
    served = {**mnist, "cifar-10-python.tar.gz": _tar_gz(cifar, "cifar-10-batches-py")}
    served_drive = {"img_align_celeba.zip": celeba_zip(celeba), **celeba}
    log: list[tuple[str, str]] = []

    def download_url(url, root, filename=None, md5=None, max_redirect_hops=3):
        filename = filename or url.rsplit("/", 1)[-1]
        log.append((url, filename))
        Path(root).mkdir(parents=True, exist_ok=True)
        (Path(root) / filename).write_bytes(served[filename])

    def download_file_from_google_drive(file_id, root, filename=None, md5=None):
        log.append((file_id, filename))
        Path(root).mkdir(parents=True, exist_ok=True)
        (Path(root) / filename).write_bytes(served_drive[filename])

    monkeypatch.setattr(torchvision.datasets.utils, "download_url", download_url)
    monkeypatch.setattr(
        torchvision.datasets.celeba, "download_file_from_google_drive", download_file_from_google_drive
    )
    patch_cifar10_md5(monkeypatch, cifar)
    patch_celeba_md5(monkeypatch, celeba)
    return log


def write_unpaired_folders(root: Path, n: int = 4, size: int = 40) -> Path:
    """``root/trainA, trainB, testA, testB`` with ``n`` RGB PNGs each (the CycleGAN reference layout)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for folder in ("trainA", "trainB", "testA", "testB"):
        (Path(root) / folder).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            pixels = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(Path(root) / folder / f"{i}.png")
    return Path(root)
