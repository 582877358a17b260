"""The picture module: every picture helper of the package is defined once, in lightning_gans.render."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from lightning_gans import render

ROOT = Path(__file__).parents[1]
HELPERS = {
    "to_uint8",
    "image_grid",
    "scatter_plot",
    "pairs_plot",
    "render_samples",
    "save_png",
    "save_gif",
    "zoom",
    "class_rows",
}
WHITE = [255, 255, 255]


def test_to_uint8_maps_the_range_and_passes_uint8_through():
    x = torch.tensor([-2.0, -1.0, 0.0, 1.0, 3.0])
    assert render.to_uint8(x).tolist() == [0, 0, 128, 255, 255]
    u = torch.arange(5, dtype=torch.uint8)
    assert render.to_uint8(u) is u


def test_image_grid_maps_minus_one_to_black_and_one_to_white():
    images = torch.stack([-torch.ones(1, 4, 4), torch.ones(1, 4, 4)])
    grid = render.image_grid(images, nrow=2)
    assert grid.dtype == torch.uint8 and grid.shape == (3, 8, 14)
    assert grid[:, 2, 2].tolist() == [0, 0, 0] and grid[:, 2, 8].tolist() == WHITE


def test_scatter_plot_draws_points_y_up():
    picture = render.scatter_plot(torch.tensor([[0.0, 0.0]]), size=64, extent=1.0)
    assert picture.shape == (3, 64, 64) and picture.dtype == torch.uint8
    assert picture[:, 32, 32].tolist() != WHITE and picture[:, 2, 2].tolist() == WHITE
    top_right = render.scatter_plot(torch.tensor([[0.9, 0.9]]), size=64, extent=1.0)
    assert top_right[:, 3, 60].tolist() != WHITE  # y up: a high point is near the top row


@pytest.mark.parametrize(("width", "cells"), [(1, 1), (3, 3), (13, 4)])
def test_vectors_of_any_width_get_a_pairs_plot(width, cells):
    vectors = torch.randn(50, width, generator=torch.Generator().manual_seed(0))
    picture = render.render_samples(vectors)
    assert picture.dtype == torch.uint8 and picture.shape == (3, cells * 160, cells * 160)
    assert (picture != 255).any()


def test_render_samples_picks_grid_scatter_or_refuses():
    assert render.render_samples(torch.zeros(4, 3, 8, 8), nrow=2).shape == (3, 2 * 10 + 2, 2 * 10 + 2)
    assert render.render_samples(torch.zeros(10, 2)).shape == (3, 512, 512)
    assert render.can_render((13,)) and render.can_render((1, 8, 8)) and not render.can_render((2, 8, 8))
    with pytest.raises(ValueError, match="no picture"):
        render.render_samples(torch.zeros(4, 5, 8, 8))


def test_save_png_and_gif_round_trip(tmp_path):
    picture = render.image_grid(torch.rand(4, 3, 8, 8) * 2 - 1, nrow=2)
    png = render.save_png(picture, tmp_path / "a" / "grid.png")
    with Image.open(png) as image:
        assert image.mode == "RGB" and (image.width, image.height) == (picture.shape[2], picture.shape[1])
        assert torch.equal(torch.from_numpy(np.array(image)).permute(2, 0, 1), picture)
    grey = render.save_png(render.to_uint8(torch.zeros(1, 5, 6)), tmp_path / "grey.png")
    with Image.open(grey) as image:
        assert image.mode == "L" and image.size == (6, 5)
    gif = render.save_gif([picture, 255 - picture], tmp_path / "b" / "walk.gif", frame_ms=50)
    with Image.open(gif) as image:
        assert image.n_frames == 2 and image.info["loop"] == 0


def test_zoom_repeats_pixels():
    picture = torch.arange(4, dtype=torch.uint8).reshape(1, 2, 2).expand(3, 2, 2)
    assert render.zoom(picture, 2)[0].tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]


def defined_functions(path: Path) -> set[str]:
    return {node.name for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.FunctionDef)}


def test_every_picture_helper_is_defined_once_in_render():
    assert defined_functions(ROOT / "lightning_gans" / "render.py") >= HELPERS
    for folder in ("lightning_gans", "benchmarks", "scripts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "render.py":
                continue
            twins = defined_functions(path) & HELPERS
            assert not twins, (
                f"{path.relative_to(ROOT)} defines {sorted(twins)}: import them from lightning_gans.render"
            )


def test_old_import_paths_still_work():
    from lightning_gans.callbacks import sample_grid
    from lightning_gans.metrics import image
    from lightning_gans.tools import to_uint8

    assert sample_grid.image_grid is render.image_grid and sample_grid.save_png is render.save_png
    assert image.to_uint8 is render.to_uint8 and to_uint8 is render.to_uint8
