"""``lightning-gans cluster`` and ``lightning-gans traverse`` on a tiny trained InfoGAN checkpoint."""

from __future__ import annotations

import csv
import re
import shlex
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from lightning_gans.checkpoint import load_gan
from lightning_gans.cli import main as cli_main
from lightning_gans.data.digits import load_digits_split
from lightning_gans.metrics import clustering_scores
from lightning_gans.tools import seeded_noise, to_uint8
from lightning_gans.tools.traverse import traversal_codes

TILE = 16 + 2  # 16x16 images, 2-pixel padding between grid cells


def test_cluster_writes_q_argmax_for_every_image_and_scores_it(infogan_ckpt, tmp_path, capsys):
    out = tmp_path / "clusters.csv"
    cli_main(
        ["cluster", f"--ckpt={infogan_ckpt}", "--data=digits", "--split=test", f"--out={out}", "--device=cpu"]
    )
    rows = list(csv.DictReader(out.open()))
    split = load_digits_split(16)
    assert len(rows) == len(split["test_labels"]) == 360
    assert [int(r["label"]) for r in rows] == split["test_labels"].tolist()
    clusters = load_gan(infogan_ckpt).predict_cluster(split["test"])
    assert [int(r["cluster"]) for r in rows] == clusters.tolist()
    scores = clustering_scores(split["test_labels"], clusters)
    assert f"accuracy (Hungarian) {scores['acc']:.3f}" in capsys.readouterr().out
    # matched_class is one-to-one over the clusters that occur
    mapping = {int(r["cluster"]): int(r["matched_class"]) for r in rows}
    assert len(set(mapping.values())) == len(mapping)


def test_cluster_refuses_a_model_without_codes(dcgan_ckpt, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["cluster", f"--ckpt={dcgan_ckpt}", f"--out={tmp_path / 'c.csv'}", "--device=cpu"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert "holds a DCGAN, which has neither a cluster code nor an encoder" in err and "--k" in err
    assert len(err.splitlines()) == 1


def test_traverse_grid_rows_are_categories_and_columns_sweep_a_continuous_code(infogan_ckpt, tmp_path):
    out = tmp_path / "trav.png"
    cli_main(
        ["traverse", f"--ckpt={infogan_ckpt}", "--continuous=1", "--steps=5", "--seed=3", f"--out={out}"]
    )
    grid = np.array(Image.open(out).convert("RGB"))
    assert grid.shape[:2] == (10 * TILE + 2, 5 * TILE + 2)
    gif = Image.open(tmp_path / "trav.gif")
    assert gif.n_frames == 5 + 3  # forward, then back without repeating the ends

    model = load_gan(infogan_ckpt)
    codes = traversal_codes(model, 0, 1, 5)
    # row 2, column 4: category 2, continuous code 1 at +1, code 0 held at 0
    assert torch.equal(codes[2 * 5 + 4], model.code_vector([2], [0.0, 1.0]))
    assert codes[:5, 11].tolist() == pytest.approx([-1.0, -0.5, 0.0, 0.5, 1.0])
    z = seeded_noise(model, 1, 3)
    expected = to_uint8(model.sample_with_codes(z, codes[2 * 5 + 4][None]))[0, 0].numpy()
    top, left = 2 + 2 * TILE, 2 + 4 * TILE
    assert np.abs(grid[top : top + 16, left : left + 16, 0].astype(int) - expected).max() <= 1


def test_traverse_names_codes_that_do_not_exist(infogan_ckpt, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["traverse", f"--ckpt={infogan_ckpt}", "--continuous=2", f"--out={tmp_path / 't.png'}"])
    assert exit_info.value.code == 1
    assert "--continuous 2 does not exist" in capsys.readouterr().err


def test_the_readme_cluster_encode_and_traverse_commands_run(
    infogan_ckpt, clustergan_ckpt, tmp_path, monkeypatch
):
    root = Path(__file__).parents[2]
    readme = (root / "README.md").read_text()
    commands = re.findall(
        r"^\.venv/bin/lightning-gans ((?:cluster|encode|traverse) .*?)(?:\s+#.*)?$", readme, re.M
    )
    assert {c.split()[0] for c in commands} == {"cluster", "encode", "traverse"}
    for command in commands:
        out = re.search(r"--out (\S+)", command).group(1)
        if out.startswith("docs/images/"):  # the picture the command made is shown and exists
            assert f"]({out})" in readme and Image.open(root / out).size[0] > 50
            assert f"]({Path(out).with_suffix('.gif')})" in readme
    monkeypatch.chdir(tmp_path)  # relative --out paths land here
    for command in commands:
        args = shlex.split(command.replace("$INFO_CKPT", infogan_ckpt).replace("$CG_CKPT", clustergan_ckpt))
        cli_main(args)
        assert Path(args[args.index("--out") + 1]).exists(), command


def test_cluster_on_a_missing_set_names_the_command_that_downloads_it(infogan_ckpt, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["cluster", f"--ckpt={infogan_ckpt}", "--data=mnist", f"--root={tmp_path}", "--out=c.csv"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "--data.download true" in err and "--root" in err
    assert "Set download: true" not in err  # cluster has no download option


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_cluster_reads_the_torchvision_sets_in_order(name, infogan_ckpt, tmp_path):
    from torchvision import datasets

    from tests.data import fake_sets

    writer = fake_sets.write_mnist if name == "mnist" else fake_sets.write_fashion_mnist
    writer(tmp_path / "data", n=32)
    out = tmp_path / "clusters.csv"
    cli_main(
        ["cluster", f"--ckpt={infogan_ckpt}", f"--data={name}", f"--root={tmp_path / 'data'}", f"--out={out}"]
    )
    rows = list(csv.DictReader(out.open()))
    dataset = (datasets.MNIST if name == "mnist" else datasets.FashionMNIST)(tmp_path / "data", train=True)
    assert [int(r["label"]) for r in rows] == dataset.targets.tolist()  # every image, in the set's order


# ------------------------------------------------------------------------------ any data, any clustering model
def test_cluster_a_folder_with_clustergans_code_prints_no_scores_without_labels(
    clustergan_ckpt, tmp_path, capsys
):
    from tests.tools.test_encode import image_folder

    folder, names = image_folder(tmp_path)
    out = tmp_path / "clusters.csv"
    cli_main(["cluster", f"--ckpt={clustergan_ckpt}", f"--data={folder}", f"--out={out}"])
    rows = list(csv.DictReader(out.open()))
    assert [r["name"] for r in rows] == names and set(rows[0]) == {"name", "cluster"}
    model = load_gan(clustergan_ckpt)
    from lightning_gans.data.transforms import image_transform
    from lightning_gans.data.vision import load_image

    images = torch.stack([image_transform(1, 16)(load_image(str(folder / n))) for n in names])
    assert [int(r["cluster"]) for r in rows] == model.predict_cluster(images).tolist()
    printed = capsys.readouterr().out
    assert "accuracy" not in printed and "no labels" in printed


def test_cluster_a_table_with_kmeans_on_the_encoder_scores_its_label_column(
    clustergan_table_ckpt, tmp_path, capsys
):
    from tests.tools.test_encode import table

    path, values = table(tmp_path, rows=8, label=True)
    out = tmp_path / "clusters.csv"
    cli_main(
        [
            "cluster",
            f"--ckpt={clustergan_table_ckpt}",
            f"--data={path}",
            "--label_column=label",
            "--k=2",
            f"--out={out}",
        ]
    )
    rows = list(csv.DictReader(out.open()))
    assert [r["name"] for r in rows] == [str(i) for i in range(8)]
    assert [int(r["label"]) for r in rows] == values[:, -1].astype(int).tolist()
    clusters = torch.tensor([int(r["cluster"]) for r in rows])
    assert set(clusters.tolist()) <= {0, 1}
    scores = clustering_scores(values[:, -1].astype(int), clusters)
    printed = capsys.readouterr().out
    assert (
        f"accuracy (Hungarian) {scores['acc']:.3f}" in printed
        and "purity" in printed
        and "KMeans (k=2)" in printed
    )


def test_an_encoder_without_a_cluster_code_needs_k(bigan_ckpt, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["cluster", f"--ckpt={bigan_ckpt}", f"--out={tmp_path / 'c.csv'}"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert "holds a BiGAN, which has no cluster code: pass --k K" in err and len(err.splitlines()) == 1
    cli_main(["cluster", f"--ckpt={bigan_ckpt}", "--k=3", "--split=test", f"--out={tmp_path / 'c.csv'}"])
    assert "KMeans (k=3) on BiGAN's latent vectors" in capsys.readouterr().out


def test_traverse_a_clustergan_rows_are_clusters_and_columns_noise_draws(clustergan_ckpt, tmp_path):
    from lightning_gans.tools.traverse import traverse

    model = load_gan(clustergan_ckpt)
    images = traverse(model, steps=3, seed=1)
    assert images.shape == (4, 3, 1, 16, 16)
    z = seeded_noise(model, 3, 1)
    expected = model.sample_with_codes(z[2:3], model.code_vector([1])[None])
    torch.testing.assert_close(images[1, 2], expected[0])
    out = tmp_path / "t.png"
    cli_main(["traverse", f"--ckpt={clustergan_ckpt}", "--steps=3", "--no-gif", f"--out={out}"])
    assert np.array(Image.open(out)).shape[:2] == (4 * TILE + 2, 3 * TILE + 2)


@pytest.mark.slow  # a fresh interpreter, about 10 s of start-up
def test_cluster_as_a_process_on_a_csv_keeps_the_rows_in_order(clustergan_table_ckpt, tmp_path):
    import os
    import subprocess
    import sys

    from tests.tools.test_encode import table

    path, _ = table(tmp_path, rows=6)
    out = tmp_path / "clusters.csv"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "lightning_gans",
            "cluster",
            "--ckpt",
            clustergan_table_ckpt,
            "--data",
            str(path),
            "--out",
            str(out),
        ],
        cwd=tmp_path,
        env=os.environ | {"OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert [r["name"] for r in csv.DictReader(out.open())] == [str(i) for i in range(6)]
