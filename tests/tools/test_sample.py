"""``lightning-gans sample``: PNG files in an ImageFolder layout or one grid, reproducible, truncation, EMA flag."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

from lightning_gans import DCGAN, VanillaGAN
from lightning_gans.checkpoint import load_gan
from lightning_gans.cli import main
from lightning_gans.tools import seeded_noise, to_uint8, truncate_noise
from lightning_gans.tools.sample import generate
from lightning_gans.tools.sample import main as sample_main


def pixels(folder) -> dict[str, np.ndarray]:
    return {p.name: np.array(Image.open(p)) for p in sorted(folder.glob("*.png"))}


def test_writes_num_pngs_that_image_folder_reads(dcgan_ckpt, tmp_path):
    out = tmp_path / "synthetic"
    main(["sample", "--ckpt", dcgan_ckpt, "--num", "10", "--out", str(out), "--batch_size", "4"])

    files = sorted((out / "generated").iterdir())
    assert [f.name for f in files] == [f"{i:06d}.png" for i in range(10)]
    for f in files:
        image = Image.open(f)
        assert (image.size, image.mode) == ((16, 16), "L")
    values = np.stack(list(pixels(out / "generated").values()))
    assert values.dtype == np.uint8 and values.min() >= 0 and values.max() <= 255 and values.std() > 0

    data = torchvision.datasets.ImageFolder(str(out), transform=torchvision.transforms.ToTensor())
    assert len(data) == 10 and data.classes == ["generated"]
    image, label = data[0]
    assert image.shape == (3, 16, 16) and label == 0 and 0 <= image.min() <= image.max() <= 1


def test_files_are_the_models_samples(dcgan_ckpt, tmp_path):
    main(
        ["sample", "--ckpt", dcgan_ckpt, "--num", "5", "--out", str(tmp_path), "--seed", "7", "--device=cpu"]
    )
    model = load_gan(dcgan_ckpt)
    expected = to_uint8(model.sample(z=seeded_noise(model, 5, seed=7)))[:, 0].numpy()
    written = np.stack(list(pixels(tmp_path / "generated").values()))
    assert np.abs(written.astype(int) - expected.astype(int)).max() <= 1  # rounding of float noise only


def test_same_seed_same_files_other_seed_other_files(dcgan_ckpt, tmp_path):
    runs = {}
    for name, seed, batch in [("a", 3, 4), ("b", 3, 64), ("c", 4, 4)]:
        main(["sample", f"--ckpt={dcgan_ckpt}", "--num=6", f"--out={tmp_path / name}", f"--seed={seed}",
              f"--batch_size={batch}"])  # fmt: skip
        runs[name] = pixels(tmp_path / name / "generated")
    assert runs["a"].keys() == runs["b"].keys() == runs["c"].keys()
    # the noise is drawn before batching: the batch size does not change the images (beyond float rounding)
    assert all(np.abs(runs["a"][k].astype(int) - runs["b"][k].astype(int)).max() <= 1 for k in runs["a"])
    assert not all(np.array_equal(runs["a"][k], runs["c"][k]) for k in runs["a"])


def test_same_seed_gives_identical_bytes(dcgan_ckpt, tmp_path):
    for name in ("first", "second"):
        main(["sample", f"--ckpt={dcgan_ckpt}", "--num=4", f"--out={tmp_path / name}", "--seed=1"])
    first, second = (sorted((tmp_path / n / "generated").iterdir()) for n in ("first", "second"))
    assert [f.read_bytes() for f in first] == [f.read_bytes() for f in second]


def test_grid(dcgan_ckpt, tmp_path):
    out = sample_main(
        [f"--ckpt={dcgan_ckpt}", "--num=12", "--grid", "--nrow=4", f"--out={tmp_path / 'g.png'}"]
    )
    assert out == tmp_path / "g.png"
    assert Image.open(out).size == (4 * 18 + 2, 3 * 18 + 2)  # 4 columns x 3 rows of 16px tiles, 2px padding
    default = sample_main([f"--ckpt={dcgan_ckpt}", "--num=9", "--grid", f"--out={tmp_path / 'folder'}"])
    assert default == tmp_path / "folder" / "grid.png" and Image.open(default).size == (3 * 18 + 2,) * 2


def test_truncation_redraws_large_noise(dcgan_ckpt, tmp_path):
    model = load_gan(dcgan_ckpt)
    z = seeded_noise(model, 256, seed=0, truncation=0.5)
    assert z.abs().max() <= 0.5 and z.std() > 0.2  # redrawn, not clipped: values spread inside the threshold
    assert (z.abs() == 0.5).sum() == 0
    plain = seeded_noise(model, 256, seed=0)
    inside = plain.abs() <= 0.5
    assert torch.equal(z[inside], plain[inside])  # entries already inside are kept
    with pytest.raises(ValueError, match="truncation must be > 0"):
        truncate_noise(model, plain, 0.0)

    main(["sample", f"--ckpt={dcgan_ckpt}", "--num=4", f"--out={tmp_path}", "--truncation=0.5"])
    assert len(list((tmp_path / "generated").glob("*.png"))) == 4


def test_ema_flag_selects_the_sampling_generator(dcgan_ckpt, monkeypatch):
    """--ema samples from ``sampling_generator`` (an EMA copy once a model has one), --no-ema from the generator."""
    model = load_gan(dcgan_ckpt)
    ema_copy = DCGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8).generator.eval()
    monkeypatch.setattr(DCGAN, "sampling_generator", property(lambda self: ema_copy))
    z = seeded_noise(model, 3, seed=0)
    assert torch.allclose(generate(model, 3, ema=True), ema_copy(z))
    assert torch.allclose(generate(model, 3, ema=False), model.generator(z))


def test_points_model_writes_rows_or_a_scatter_plot(tmp_path):
    from lightning.pytorch import Trainer
    from lightning.pytorch.callbacks import ModelCheckpoint

    from lightning_gans import Toy2DDataModule

    checkpoint = ModelCheckpoint(dirpath=tmp_path, filename="ring")
    Trainer(max_steps=1, accelerator="cpu", logger=False, callbacks=[checkpoint], enable_progress_bar=False,
            enable_model_summary=False).fit(VanillaGAN(data_shape=[2], hidden_dims=(8,)),
                                            Toy2DDataModule("ring8", batch_size=8, batches_per_epoch=1))  # fmt: skip
    rows = sample_main([f"--ckpt={checkpoint.best_model_path}", "--num=4", f"--out={tmp_path / 'x'}"])
    assert rows == tmp_path / "x" / "rows.csv"  # points are rows of 2 values (no header in training: x0, x1)
    assert rows.read_text().splitlines()[0] == "x0,x1" and len(rows.read_text().splitlines()) == 5
    grid = sample_main(
        [f"--ckpt={checkpoint.best_model_path}", "--num=100", "--grid", f"--out={tmp_path}/s.png"]
    )
    assert Image.open(grid).size == (512, 512)  # a scatter plot


def test_one_line_load_and_sample(dcgan_ckpt):
    images = DCGAN.load_from_checkpoint(dcgan_ckpt).sample(16)
    assert images.shape == (16, 1, 16, 16) and images.min() >= -1 and images.max() <= 1


def test_main_dispatch_returns_none(dcgan_ckpt, tmp_path):
    """The console script calls ``sys.exit(main())``: anything but None would become a failing exit status."""
    assert main(["sample", f"--ckpt={dcgan_ckpt}", "--num=1", f"--out={tmp_path}"]) is None


@pytest.mark.slow
def test_console_command(dcgan_ckpt, tmp_path):
    """The installed console script (``lightning-gans`` next to the interpreter, a whole new interpreter)
    dispatches to the tool and exits with 0."""
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("lightning-gans")),
            "sample",
            f"--ckpt={dcgan_ckpt}",
            "--num=3",
            f"--out={tmp_path}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Wrote 3 PNG files (16x16, grey)" in done.stdout
    assert len(list((tmp_path / "generated").glob("*.png"))) == 3


def test_loads_cli_checkpoints_without_the_class_entry(dcgan_ckpt, tmp_path):
    """Checkpoints written before ``lightning_gans_class`` existed still name their class: LightningCLI's hparams."""
    checkpoint = torch.load(dcgan_ckpt, weights_only=True)
    del checkpoint["lightning_gans_class"]
    checkpoint["hyper_parameters"] |= {
        "_class_path": "lightning_gans.DCGAN",
        "_instantiator": "lightning.pytorch.cli.instantiate_module",
    }
    torch.save(checkpoint, tmp_path / "old.ckpt")
    model = load_gan(tmp_path / "old.ckpt")
    assert type(model) is DCGAN and model.sample(2).shape == (2, 1, 16, 16)
