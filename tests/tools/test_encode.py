"""``lightning-gans encode``: latent vectors of an image folder, a table and a built-in set, rows in input order;
one-line refusals of a model without an encoder, of data of the wrong width and of an unknown output format."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from lightning_gans.checkpoint import load_model
from lightning_gans.cli import main as cli_main
from lightning_gans.data.digits import load_digits_split
from lightning_gans.data.transforms import image_transform
from lightning_gans.data.vision import load_image
from tests.checkpoints import TABLE_WIDTH

NAMES = ["b.png", "a.png", "sub/c.png", "sub/a.png"]
"""Written in this order; the command reads them sorted by path."""


def image_folder(root) -> tuple:
    """Four 16x16 grey images of different brightness under ``root/images`` -> (folder, sorted names)."""
    folder = root / "images"
    for i, name in enumerate(NAMES):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((16, 16), 30 + 60 * i, np.uint8)).save(folder / name)
    return folder, sorted(NAMES)


def table(root, rows: int = 5, width: int = TABLE_WIDTH, label: bool = False):
    """A CSV of ``rows`` x ``width`` features (and a ``label`` column) with a header."""
    values = np.arange(rows * width, dtype=float).reshape(rows, width) / 3.0
    header = [f"f{j}" for j in range(width)]
    if label:
        values = np.column_stack([values, np.arange(rows) % 2])
        header.append("label")
    path = root / "rows.csv"
    np.savetxt(path, values, delimiter=",", header=",".join(header), comments="")
    return path, values


def read_rows(path) -> list[dict]:
    return list(csv.DictReader(path.open()))


def vectors_of(rows: list[dict]) -> torch.Tensor:
    return torch.tensor([[float(r[k]) for k in r if k.startswith("z")] for r in rows])


def test_encode_writes_an_image_folders_vectors_sorted_by_path(clustergan_ckpt, tmp_path):
    folder, names = image_folder(tmp_path)
    out = tmp_path / "emb.csv"
    cli_main(["encode", f"--ckpt={clustergan_ckpt}", f"--data={folder}", f"--out={out}", "--device=cpu"])
    rows = read_rows(out)
    assert [r["name"] for r in rows] == names and "label" not in rows[0]
    model = load_model(clustergan_ckpt)
    transform = image_transform(1, 16)  # what training read: grey, 16x16, scaled to [-1, 1]
    images = torch.stack([transform(load_image(str(folder / n))) for n in names])
    expected = model.encode(images)
    assert expected.shape == (4, 3 + 4)  # z_n (3) then the 4 cluster probabilities
    torch.testing.assert_close(vectors_of(rows), expected, rtol=1e-5, atol=1e-6)


def test_encode_writes_a_tables_rows_in_order_as_npy_and_csv_with_labels(clustergan_table_ckpt, tmp_path):
    path, values = table(tmp_path, label=True)
    npy, csv_out = tmp_path / "emb.npy", tmp_path / "emb.csv"
    for out in (npy, csv_out):
        cli_main(
            [
                "encode",
                f"--ckpt={clustergan_table_ckpt}",
                f"--data={path}",
                "--label_column=label",
                f"--out={out}",
            ]
        )
    array = np.load(npy)
    assert array.shape == (5, 2 + 3) and array.dtype == np.float32
    rows = read_rows(csv_out)
    assert [r["name"] for r in rows] == ["0", "1", "2", "3", "4"]
    assert [int(r["label"]) for r in rows] == [0, 1, 0, 1, 0]
    np.testing.assert_allclose(vectors_of(rows).numpy(), array, rtol=1e-5, atol=1e-6)
    # row i is the encoding of table row i, standardised with the training rows' statistics
    checkpoint = torch.load(clustergan_table_ckpt, weights_only=True)
    stats = checkpoint["ArrayDataModule"]
    x = (torch.tensor(values[:, :TABLE_WIDTH], dtype=torch.float32) - stats["mean"]) / stats["std"]
    np.testing.assert_allclose(
        array, load_model(clustergan_table_ckpt).encode(x).numpy(), rtol=1e-5, atol=1e-6
    )


def test_encode_gives_infogans_code_estimates_for_a_built_in_set(infogan_ckpt, tmp_path):
    out = tmp_path / "emb.csv"
    cli_main(["encode", f"--ckpt={infogan_ckpt}", "--data=digits", "--split=test", f"--out={out}"])
    split = load_digits_split(16)
    rows = read_rows(out)
    vectors = vectors_of(rows)
    assert vectors.shape == (360, 10 + 2)  # category probabilities, then the two continuous means
    torch.testing.assert_close(vectors[:, :10].sum(1), torch.ones(360), rtol=0, atol=1e-4)
    expected = load_model(infogan_ckpt).estimate_codes(split["test"])
    torch.testing.assert_close(vectors, expected, rtol=1e-5, atol=1e-6)
    assert [int(r["label"]) for r in rows] == split["test_labels"].tolist()
    assert rows[7]["name"] == "7"


def refused(capsys, args: list[str], status: int = 1) -> str:
    """Runs the command, expects ``status`` and one line on stderr; returns it."""
    with pytest.raises(SystemExit) as exit_info:
        cli_main(args)
    assert exit_info.value.code == status
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_a_model_without_an_encoder_wrong_width_and_a_bad_format_get_one_line(
    dcgan_ckpt, clustergan_table_ckpt, tmp_path, capsys
):
    out = f"--out={tmp_path / 'e.csv'}"
    err = refused(capsys, ["encode", f"--ckpt={dcgan_ckpt}", "--data=digits", out])
    assert "holds a DCGAN, which has no encoder" in err and "IZIfEncoder" in err
    path, _ = table(tmp_path, width=TABLE_WIDTH + 1)
    err = refused(capsys, ["encode", f"--ckpt={clustergan_table_ckpt}", f"--data={path}", out])
    assert "has 4 feature columns but the model takes 3" in err and "--label_column" in err
    err = refused(capsys, ["encode", f"--ckpt={clustergan_table_ckpt}", "--data=digits", out])
    assert "pass a table" in err
    err = refused(capsys, ["encode", f"--ckpt={dcgan_ckpt}", f"--out={tmp_path / 'e.txt'}"], status=2)
    assert "must end in .npy" in err


@pytest.mark.slow  # two fresh interpreters, about 10 s of start-up each
def test_encode_as_a_process_on_a_folder_and_a_csv(clustergan_ckpt, clustergan_table_ckpt, tmp_path):
    folder, names = image_folder(tmp_path)
    path, _ = table(tmp_path)
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    for ckpt, data, expected in (
        (clustergan_ckpt, folder, names),
        (clustergan_table_ckpt, path, list("01234")),
    ):
        out = tmp_path / "emb.csv"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "lightning_gans",
                "encode",
                "--ckpt",
                ckpt,
                "--data",
                str(data),
                "--out",
                str(out),
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert [r["name"] for r in read_rows(out)] == expected
