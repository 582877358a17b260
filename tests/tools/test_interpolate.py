"""``lightning-gans interpolate``: grid size, end points equal the generator's output, slerp/lerp math, GIF."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image

from lightning_gans.checkpoint import load_gan
from lightning_gans.tools import to_uint8
from lightning_gans.tools.interpolate import interpolate, latent_paths, lerp, slerp
from lightning_gans.tools.interpolate import main as interpolate_main

TILE = 16 + 2  # 16x16 images, 2-pixel padding between grid cells


def tile(grid: np.ndarray, row: int, col: int) -> np.ndarray:
    """The 16x16 image at (row, col) of a make_grid picture (first channel: the images are grey)."""
    top, left = 2 + row * TILE, 2 + col * TILE
    return grid[top : top + 16, left : left + 16, 0]


def test_grid_size_and_end_points_are_the_generators_output(dcgan_ckpt, tmp_path):
    out = tmp_path / "walk.png"
    grid_path, gif_path = interpolate_main(
        [f"--ckpt={dcgan_ckpt}", "--paths=3", "--steps=5", "--seed=2", f"--out={out}", "--device=cpu"]
    )
    assert grid_path == out and gif_path == tmp_path / "walk.gif"
    grid = np.array(Image.open(out).convert("RGB"))
    assert grid.shape[:2] == (3 * TILE + 2, 5 * TILE + 2)  # one path per row, one step per column

    model = load_gan(dcgan_ckpt)
    z_start, z_end, _ = latent_paths(model, 3, 5, seed=2)
    starts, ends = to_uint8(model.sample(z=z_start))[:, 0], to_uint8(model.sample(z=z_end))[:, 0]
    for row in range(3):
        assert np.abs(tile(grid, row, 0).astype(int) - starts[row].numpy()).max() <= 1
        assert np.abs(tile(grid, row, 4).astype(int) - ends[row].numpy()).max() <= 1
    # the middle of a path is neither end
    assert not np.array_equal(tile(grid, 0, 2), tile(grid, 0, 0))

    gif = Image.open(gif_path)
    assert gif.n_frames == 2 * 5 - 2  # there and back, end points once each
    side = math.ceil(math.sqrt(3)) * TILE + 2
    assert gif.size == (side, side)


def test_end_points_as_tensors(dcgan_ckpt):
    model = load_gan(dcgan_ckpt)
    for method in ("slerp", "linear"):
        images, z_start, z_end = interpolate(model, num_paths=2, steps=4, method=method, seed=0)
        assert images.shape == (2, 4, 1, 16, 16)
        torch.testing.assert_close(images[:, 0], model.sample(z=z_start), rtol=0, atol=1e-5)
        torch.testing.assert_close(images[:, -1], model.sample(z=z_end), rtol=0, atol=1e-5)


def test_slerp_and_lerp():
    a, b = torch.randn(5, 16), torch.randn(5, 16)
    t = torch.linspace(0, 1, 7)
    for f in (slerp, lerp):
        path = f(a, b, t)
        assert path.shape == (5, 7, 16)
        assert torch.equal(path[:, 0], a) and torch.equal(path[:, -1], b)
    # slerp between two points of equal norm stays on their sphere and moves at constant angular speed
    u, v = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]])
    path = slerp(u, v, torch.linspace(0, 1, 5))[0]
    torch.testing.assert_close(path.norm(dim=1), torch.ones(5))
    angles = torch.atan2(path[:, 1], path[:, 0])
    torch.testing.assert_close(angles, torch.linspace(0, math.pi / 2, 5))
    # the linear path cuts the corner
    assert lerp(u, v, torch.tensor([0.5]))[0, 0].norm() < 0.75
    # (anti)parallel end points do not divide by zero
    assert slerp(u, 2 * u, torch.linspace(0, 1, 3)).isfinite().all()


def test_no_gif_and_bad_arguments(dcgan_ckpt, tmp_path):
    grid, gif = interpolate_main(
        [f"--ckpt={dcgan_ckpt}", "--no-gif", "--method=linear", f"--out={tmp_path}/a.png"]
    )
    assert gif is None and grid.exists() and not (tmp_path / "a.gif").exists()
    with pytest.raises(ValueError, match="steps >= 2"):
        interpolate_main([f"--ckpt={dcgan_ckpt}", "--steps=1", f"--out={tmp_path}/b.png"])
    with pytest.raises(SystemExit):
        interpolate_main([f"--ckpt={dcgan_ckpt}", "--method=cubic"])
