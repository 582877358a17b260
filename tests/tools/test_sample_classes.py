"""``lightning-gans sample`` and ``interpolate`` with a class-conditional model: class folders that
``torchvision.datasets.ImageFolder`` reads with the right labels, ``--class``, ``--balance``, class rows."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

from lightning_gans.checkpoint import load_gan
from lightning_gans.cli import main
from lightning_gans.errors import ConfigError
from lightning_gans.tools import seeded_noise, to_uint8
from lightning_gans.tools.interpolate import interpolate
from lightning_gans.tools.sample import main as sample_main


def read_back(out) -> torchvision.datasets.ImageFolder:
    return torchvision.datasets.ImageFolder(str(out), allow_empty=True)


def test_class_writes_num_images_of_that_class(conditional_ckpt, tmp_path):
    out = tmp_path / "synthetic"
    main(
        [
            "sample",
            "--ckpt",
            conditional_ckpt,
            "--class",
            "3",
            "--num",
            "7",
            "--out",
            str(out),
            "--batch_size=4",
        ]
    )
    data = read_back(out)
    assert data.classes == [str(c) for c in range(10)]
    assert data.targets == [3] * 7
    model = load_gan(conditional_ckpt)
    expected = to_uint8(model.sample(z=seeded_noise(model, 7, seed=0), labels=3))[:, 0].numpy()
    written = np.stack([np.array(Image.open(p)) for p, _ in data.samples])
    assert np.abs(written.astype(int) - expected.astype(int)).max() <= 1


def test_balance_from_counts_tops_every_class_up_to_the_largest(conditional_ckpt, tmp_path):
    counts = [5, 1, 5, 0, 5, 2, 5, 5, 4, 5]
    out = tmp_path / "extra"
    main(["sample", "--ckpt", conditional_ckpt, "--balance", ",".join(map(str, counts)), "--out", str(out)])
    got = np.bincount(read_back(out).targets, minlength=10).tolist()
    assert got == [5 - c for c in counts]


def test_balance_a_folder_in_place(conditional_ckpt, tmp_path):
    folder = tmp_path / "train"
    counts = {"0": 4, "1": 1, "2": 3, "3": 4, "4": 0, "5": 2, "6": 4, "7": 4, "8": 4, "9": 1}
    for name, n in counts.items():
        (folder / name).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(np.zeros((16, 16), np.uint8)).save(folder / name / f"real_{i}.png")
    main(["sample", "--ckpt", conditional_ckpt, "--balance", str(folder), "--out", str(folder)])
    data = read_back(folder)
    assert np.bincount(data.targets, minlength=10).tolist() == [4] * 10
    generated = [(p, y) for p, y in data.samples if "gen_" in p]
    assert len(generated) == sum(4 - n for n in counts.values())
    assert all(f"/{data.classes[y]}/" in p for p, y in generated)


def test_class_requests_are_checked(conditional_ckpt, dcgan_ckpt, tmp_path):
    with pytest.raises(SystemExit):
        main(["sample", "--ckpt", conditional_ckpt, "--class", "10", "--out", str(tmp_path)])
    with pytest.raises(SystemExit):
        main(["sample", "--ckpt", dcgan_ckpt, "--class", "1", "--out", str(tmp_path)])
    from lightning_gans.tools.sample import class_counts_of

    with pytest.raises(ConfigError, match="4 counts but the model has 10 classes"):
        class_counts_of("1,2,3,4", 10)


def test_grid_has_one_class_per_row(conditional_ckpt, tmp_path):
    path = sample_main(
        ["--ckpt", conditional_ckpt, "--grid", "--num", "30", "--out", str(tmp_path / "g.png")]
    )
    # 10 rows of 3 images of 16 px with 2 px padding
    assert Image.open(path).size == (3 * 18 + 2, 10 * 18 + 2)


def test_interpolate_holds_the_class(conditional_ckpt):
    model = load_gan(conditional_ckpt)
    images, z_start, _ = interpolate(model, num_paths=2, steps=3, class_index=5)
    torch.testing.assert_close(images[:, 0], model.sample(z=z_start, labels=5).cpu())
    assert not torch.allclose(images[:, 0], model.sample(z=z_start, labels=4).cpu())
