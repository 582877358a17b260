"""``lightning-gans score`` on an image folder and on a CSV: a row per input, flags at the stored or given
threshold, the top-k picture, and one-line errors naming a corrupt or wrong-shaped input."""

import csv

import numpy as np
import pytest
import torch
from lightning.pytorch import Trainer
from PIL import Image

from lightning_gans import ArrayDataModule, BiGAN, DigitsDataModule, VanillaGAN
from lightning_gans.cli import main as cli_main
from lightning_gans.tools.score import main as score_main


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def image_model(tmp_path_factory):
    """A tiny conv BiGAN, one epoch on digit 0 (so the validation sets its threshold), and its checkpoint."""
    tmp = tmp_path_factory.mktemp("image_model")
    torch.manual_seed(0)
    model = BiGAN(
        data_shape=[1, 16, 16],
        latent_dim=8,
        generator_width=8,
        encoder_width=8,
        discriminator_width=8,
        joint_dim=16,
    )
    data = DigitsDataModule(image_size=16, batch_size=32, normal_classes=[0])
    trainer = Trainer(
        max_epochs=1,
        accelerator="cpu",
        default_root_dir=tmp,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(model, data)
    trainer.save_checkpoint(tmp / "bigan.ckpt")
    return tmp / "bigan.ckpt", model.eval(), data


def write_folder(root, images):
    """PNG files of ``(N, 1, S, S)`` images in [-1, 1], half of them in a subfolder."""
    names = []
    for i, image in enumerate(images):
        name = f"{'sub/' if i % 2 else ''}img_{i:02d}.png"
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        pixels = ((image[0].numpy() + 1) * 127.5).round().astype(np.uint8)
        Image.fromarray(pixels, mode="L").resize((24, 24)).save(root / name)  # other size: resized on reading
        names.append(name)
    return sorted(names)


def test_image_folder_scores_flags_and_top_k_picture(image_model, tmp_path, capsys):
    ckpt, model, data = image_model
    names = write_folder(tmp_path / "photos", data.split["test"][:7])
    out = tmp_path / "scores.csv"
    score_main(["--ckpt", str(ckpt), "--data", str(tmp_path / "photos"), "--out", str(out), "--topk", "4"])
    rows = read_rows(out)
    assert [r["name"] for r in rows] == names  # every file, once
    threshold = model.anomaly_threshold.item()
    assert np.isfinite(threshold)
    for r in rows:
        assert r["flagged"] == str(int(float(r["score"]) > threshold))
    picture = Image.open(out.with_suffix(".png"))
    assert picture.size == (4 * 18 + 2, 3 * 18 + 2)  # 4 columns; input, reconstruction and residual rows
    assert "7 scores" in capsys.readouterr().out


def test_threshold_option_overrides_the_stored_one(image_model, tmp_path):
    ckpt, _, data = image_model
    write_folder(tmp_path / "photos", data.split["test"][:6])
    out = tmp_path / "s.csv"
    score_main(["--ckpt", str(ckpt), "--data", str(tmp_path / "photos"), "--out", str(out), "--topk", "0"])
    scores = sorted(float(r["score"]) for r in read_rows(out))
    middle = (scores[2] + scores[3]) / 2
    score_main(
        [
            "--ckpt",
            str(ckpt),
            "--data",
            str(tmp_path / "photos"),
            "--out",
            str(out),
            "--threshold",
            str(middle),
        ]
    )
    assert sorted(int(r["flagged"]) for r in read_rows(out)) == [0, 0, 0, 1, 1, 1]


def test_corrupt_image_is_named_in_one_line(image_model, tmp_path, capsys):
    ckpt, _, data = image_model
    write_folder(tmp_path / "photos", data.split["test"][:2])
    (tmp_path / "photos" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(SystemExit) as exit_info:
        cli_main(
            [
                "score",
                "--ckpt",
                str(ckpt),
                "--data",
                str(tmp_path / "photos"),
                "--out",
                str(tmp_path / "s.csv"),
            ]
        )
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "broken.png" in err


@pytest.fixture(scope="module")
def table_model(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("table_model")
    rng = np.random.default_rng(0)
    table = np.column_stack([rng.normal([10.0, 0.0, -5.0], [1.0, 2.0, 0.5], (80, 3)), np.zeros(80)])
    np.savetxt(tmp / "train.csv", table, delimiter=",", header="a,b,c,label", comments="")
    torch.manual_seed(0)
    model = BiGAN(data_shape=[3], latent_dim=2, hidden_dims=(16,))
    data = ArrayDataModule(str(tmp / "train.csv"), label_column="label", batch_size=16)
    trainer = Trainer(
        max_epochs=2,
        accelerator="cpu",
        default_root_dir=tmp,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(model, data)
    trainer.save_checkpoint(tmp / "bigan.ckpt")
    return tmp, model.eval(), data


def test_csv_rows_are_scored_with_the_training_standardisation(table_model, tmp_path):
    tmp, model, data = table_model
    rows = np.array([[10.0, 0.0, -5.0, 0], [10.5, 1.0, -5.2, 0], [30.0, -9.0, 4.0, 1]])
    np.savetxt(tmp_path / "new.csv", rows, delimiter=",", header="a,b,c,label", comments="")
    out = tmp_path / "scores.csv"
    score_main(
        [
            "--ckpt",
            str(tmp / "bigan.ckpt"),
            "--data",
            str(tmp_path / "new.csv"),
            "--out",
            str(out),
            "--label_column",
            "label",
        ]
    )
    result = read_rows(out)
    assert [r["name"] for r in result] == ["new.csv:2", "new.csv:3", "new.csv:4"]
    x = (torch.tensor(rows[:, :3], dtype=torch.float) - data.mean) / data.std
    expected = model.anomaly_score(x)
    torch.testing.assert_close(
        torch.tensor([float(r["score"]) for r in result]), expected, rtol=1e-5, atol=1e-4
    )
    assert all(r["flagged"] in ("0", "1") for r in result)
    assert not out.with_suffix(".png").exists()  # no picture for vectors


def test_wrong_width_csv_is_named_in_one_line(table_model, tmp_path, capsys):
    tmp, _, _ = table_model
    np.savetxt(tmp_path / "wide.csv", np.zeros((2, 5)), delimiter=",")
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["score", "--ckpt", str(tmp / "bigan.ckpt"), "--data", str(tmp_path / "wide.csv")])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "wide.csv has 5 feature columns" in err


def test_plain_gan_gets_the_discriminator_score_without_flags(tmp_path, fast_trainer_kwargs):
    gan = VanillaGAN(data_shape=[3], latent_dim=2, hidden_dims=(8,))
    data = ArrayDataModule(np.random.default_rng(1).normal(size=(40, 3)), batch_size=8)
    trainer = Trainer(max_steps=2, **fast_trainer_kwargs)
    trainer.fit(gan, data)
    trainer.save_checkpoint(tmp_path / "gan.ckpt")
    np.save(tmp_path / "x.npy", np.zeros((4, 3)))
    out = tmp_path / "s.csv"
    score_main(["--ckpt", str(tmp_path / "gan.ckpt"), "--data", str(tmp_path / "x.npy"), "--out", str(out)])
    result = read_rows(out)
    assert len(result) == 4 and all(r["flagged"] == "" for r in result)
    x = (torch.zeros(4, 3) - data.mean) / data.std
    expected = -gan.eval().discriminator(x)
    torch.testing.assert_close(
        torch.tensor([float(r["score"]) for r in result]), expected.detach(), rtol=1e-5, atol=1e-5
    )


def test_score_prepares_images_with_the_training_data_transform_and_its_crop(tmp_path):
    """One transform: ``score`` reads a folder as the data module of the run did, CelebA's crop included."""
    from lightning_gans.data import CelebADataModule
    from lightning_gans.tools.score import read_images

    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, size=(30, 40, 3), dtype=np.uint8)).save(tmp_path / "a.png")
    names, cropped = read_images(tmp_path, (3, 8, 8), crop_size=20)
    expected = CelebADataModule(root=str(tmp_path), image_size=8, crop_size=20).transform()(
        Image.open(tmp_path / "a.png")
    )
    assert names == ["a.png"] and torch.equal(cropped[0], expected)
    _, uncropped = read_images(tmp_path, (3, 8, 8))
    assert not torch.equal(uncropped[0], cropped[0])  # the crop matters: without it, another image


def test_checkpoints_keep_the_preprocessing_of_their_data(dcgan_ckpt):
    from lightning_gans.data.transforms import PREPROCESSING_KEY
    from lightning_gans.engine.checkpoint import read_checkpoint

    assert read_checkpoint(dcgan_ckpt)[PREPROCESSING_KEY] == {"crop_size": None}  # digits: no crop
