"""``lightning-gans translate``: one output per input (same names, recursive), the grid, one direction's weights,
and bad input stopped with one line naming the file and the fix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from lightning_gans.checkpoint import load_model
from lightning_gans.commands import main
from lightning_gans.tools.translate import load_translator
from tests.forkserver import lightning_gans

REPO = Path(__file__).resolve().parents[2]


def grey_folder(root: Path, sizes=((16, 16), (23, 37), (40, 20))) -> Path:
    """Grey images of odd sizes, one in a subfolder."""
    rng = np.random.default_rng(0)
    (root / "sub").mkdir(parents=True)
    for i, (h, w) in enumerate(sizes):
        where = root / "sub" if i == 0 else root
        Image.fromarray(rng.integers(0, 255, (h, w), dtype=np.uint8), mode="L").save(where / f"img{i}.png")
    return root


def test_translate_writes_one_output_per_input_with_the_same_names(cyclegan_ckpt, tmp_path, capsys):
    data = grey_folder(tmp_path / "in")
    main(["translate", "--ckpt", cyclegan_ckpt, "--data", str(data), "--out", str(tmp_path / "out")])
    outputs = sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*.png"))
    assert outputs == ["img1.png", "img2.png", "sub/img0.png"]
    with Image.open(tmp_path / "out" / "img1.png") as image:
        assert image.size == (16, 16) and image.mode == "RGB"  # the model's size, domain B's 3 channels
    assert "Translated 3 image(s) a2b" in capsys.readouterr().out


def test_translation_is_the_models_own(cyclegan_ckpt, tmp_path):
    """The written image is ``model.translate`` of the prepared input (the library's one image transform)."""
    from lightning_gans.data.transforms import image_transform

    data = grey_folder(tmp_path / "in", sizes=((16, 16),))
    main(
        [
            "translate",
            "--ckpt",
            cyclegan_ckpt,
            "--data",
            str(data / "sub" / "img0.png"),
            "--out",
            str(tmp_path),
        ]
    )
    model = load_model(cyclegan_ckpt)
    x = image_transform(1, 16)(Image.open(data / "sub" / "img0.png")).unsqueeze(0)
    expected = ((model.translate(x, "a2b")[0].clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    written = torch.from_numpy(np.array(Image.open(tmp_path / "img0.png"))).permute(2, 0, 1)
    assert (written.int() - expected.int()).abs().max() <= 1


def test_one_direction_loads_only_its_generator(cyclegan_ckpt):
    import warnings

    # building the untrained model first is on purpose: no missing-keys warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = load_translator(cyclegan_ckpt, "a2b", grid=False, device=torch.device("cpu"))
    trained = load_model(cyclegan_ckpt)
    for name, value in model.state_dict().items():
        same = torch.equal(value, trained.state_dict()[name])
        assert same == name.startswith("generator_ab"), name  # the others keep their untrained weights


def test_grid_shows_input_translation_and_reconstruction(cyclegan_ckpt, tmp_path):
    data = grey_folder(tmp_path / "in")
    grid = tmp_path / "grid.png"
    main(
        [
            "translate",
            "--ckpt",
            cyclegan_ckpt,
            "--data",
            str(data),
            "--out",
            str(tmp_path / "o"),
            "--grid",
            str(grid),
        ]
    )
    with Image.open(grid) as image:
        assert image.size == (3 * 18 + 2, 3 * 18 + 2)  # 3 inputs a row, 3 rows, 16 px + 2 padding


def test_b2a_of_a_pix2pix_and_wrong_channels_are_one_line_errors(
    pix2pix_ckpt, cyclegan_ckpt, dcgan_ckpt, tmp_path, capsys
):
    data = grey_folder(tmp_path / "in")
    cases = [
        (["--ckpt", pix2pix_ckpt, "--direction", "b2a"], "translates A -> B only"),
        (["--ckpt", cyclegan_ckpt, "--direction", "b2a"], "--convert"),  # grey files, domain B is RGB
        (["--ckpt", dcgan_ckpt], "not a translation model"),
    ]
    for args, words in cases:
        with pytest.raises(SystemExit) as exit_info:
            main(["translate", *args, "--data", str(data), "--out", str(tmp_path / "o")])
        assert exit_info.value.code == 1
        err = capsys.readouterr().err
        assert words in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "o").exists()  # nothing written before the error
    main(
        [
            "translate",
            "--ckpt",
            cyclegan_ckpt,
            "--direction",
            "b2a",
            "--convert",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert len(list((tmp_path / "o").rglob("*.png"))) == 3


def test_an_unreadable_file_is_named(cyclegan_ckpt, tmp_path, capsys):
    data = grey_folder(tmp_path / "in")
    (data / "broken.png").write_bytes(b"not a png")
    with pytest.raises(SystemExit):
        main(["translate", "--ckpt", cyclegan_ckpt, "--data", str(data), "--out", str(tmp_path / "o")])
    assert "broken.png" in capsys.readouterr().err


def test_translate_as_its_own_process(cyclegan_ckpt, tmp_path):
    data = grey_folder(tmp_path / "in")
    run = lightning_gans(
        ["translate", "--ckpt", cyclegan_ckpt, "--data", str(data), "--out", "out"], cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(list((tmp_path / "out").rglob("*.png"))) == 3
