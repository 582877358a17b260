"""Pictures: every helper of the package that turns tensors into images or writes image files lives here.

Conventions (shapes are torch's):

- *samples* are floats in [-1, 1]: images ``(N, C, H, W)`` with ``C`` 1 (grey) or 3 (RGB), or vectors ``(N, D)``;
- a *picture* is a ``(3, H, W)`` uint8 RGB tensor on the CPU, ready for ``save_png``, ``save_gif`` or a logger.

``render_samples`` picks the picture that fits samples of any shape: a grid for images, a scatter plot for 2-D
points, a pairs plot (scatter matrix) of the first coordinates for wider vectors, a histogram for 1-D values.
Used by ``lightning_gans.SampleGrid`` and the ``sample``, ``interpolate``, ``traverse`` and ``score`` tools.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw
from torchvision.utils import make_grid

DOT = (31, 119, 180)
"""Colour of the dots of a scatter plot and of the bars of a histogram."""
PAIRS_DIMS = 4
"""Coordinates a pairs plot shows by default (the first ones)."""


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Floats in [-1, 1] of any shape (e.g. ``(N, C, H, W)``) -> uint8 in [0, 255], as a PNG stores them.

    ``round((x + 1) * 127.5)``; values outside [-1, 1] are clipped; uint8 input passes through unchanged. The
    result stays on the input's device.
    """
    if images.dtype == torch.uint8:
        return images
    return ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def image_grid(images: torch.Tensor, nrow: int = 8) -> torch.Tensor:
    """``(N, C, H, W)`` images in [-1, 1] (``C`` 1 or 3) -> ``(3, H', W')`` uint8 grid, ``nrow`` images a row,
    2 black pixels of padding (grey images become RGB)."""
    grid = make_grid(
        images.detach().float().cpu().clamp(-1, 1), nrow=nrow, padding=2, normalize=True, value_range=(-1, 1)
    )
    return (grid * 255).round().to(torch.uint8)


def zoom(picture: torch.Tensor, factor: int) -> torch.Tensor:
    """A ``(C, H, W)`` picture enlarged to ``(C, factor * H, factor * W)`` by repeating pixels (small images stay
    sharp)."""
    return picture.repeat_interleave(factor, 1).repeat_interleave(factor, 2)


def _picture(canvas: Image.Image) -> torch.Tensor:
    """An RGB PIL image -> ``(3, H, W)`` uint8 tensor."""
    return torch.from_numpy(np.array(canvas.convert("RGB"))).permute(2, 0, 1).contiguous()


def _range(values: torch.Tensor) -> tuple[float, float]:
    """``(low, high)`` of ``(N,)`` values with a 5 % margin on each side (never empty)."""
    low, high = float(values.min()), float(values.max())
    margin = max(high - low, 1e-6) * 0.05
    return low - margin, high + margin


def _draw_scatter(
    draw: ImageDraw.ImageDraw,
    points: torch.Tensor,
    box: tuple[int, int, int],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    radius: float = 1.5,
) -> None:
    """Dots for ``(N, 2)`` points in the square ``box = (left, top, size)`` of a canvas, y axis up."""
    left, top, size = box
    (x0, x1), (y0, y1) = x_range, y_range
    xs = ((points[:, 0] - x0) / (x1 - x0) * (size - 1)).tolist()
    ys = ((points[:, 1] - y0) / (y1 - y0) * (size - 1)).tolist()
    for x, y in zip(xs, ys, strict=True):
        x, y = left + x, top + size - 1 - y
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=DOT)


def _draw_histogram(
    draw: ImageDraw.ImageDraw, values: torch.Tensor, box: tuple[int, int, int], bins: int = 20
) -> None:
    """A histogram of ``(N,)`` values in the square ``box = (left, top, size)`` of a canvas."""
    left, top, size = box
    low, high = _range(values)
    counts = torch.histc(values, bins=bins, min=low, max=high)
    heights = (counts / counts.max().clamp(min=1) * (size - 4)).tolist()
    width = size / bins
    for i, height in enumerate(heights):
        if height > 0:
            draw.rectangle(
                (left + i * width + 1, top + size - 1 - height, left + (i + 1) * width - 1, top + size - 1),
                fill=DOT,
            )


def scatter_plot(points: torch.Tensor, size: int = 512, extent: float | None = None) -> torch.Tensor:
    """``(N, 2)`` points -> ``(3, size, size)`` uint8 scatter plot (white background, blue dots, y axis up).

    Both axes span ``[-extent, extent]``; by default 1.1 times the largest coordinate (at least 1.1), so the
    origin is in the middle.
    """
    points = points.detach().float().cpu()
    if extent is None:
        extent = float(points.abs().max().clamp(min=1.0)) * 1.1 if len(points) else 1.1
    canvas = Image.new("RGB", (size, size), "white")
    _draw_scatter(ImageDraw.Draw(canvas), points, (0, 0, size), (-extent, extent), (-extent, extent))
    return _picture(canvas)


def pairs_plot(vectors: torch.Tensor, dims: int = PAIRS_DIMS, cell: int = 160) -> torch.Tensor:
    """``(N, D)`` vectors -> ``(3, k * cell, k * cell)`` uint8 scatter matrix of the first ``k = min(D, dims)``
    coordinates: cell ``(i, j)`` plots coordinate ``j`` (x) against coordinate ``i`` (y), the diagonal holds each
    coordinate's histogram. Each coordinate's axis spans its own range. For ``D = 1``: one histogram."""
    vectors = vectors.detach().float().cpu().reshape(len(vectors), -1)
    k = min(vectors.shape[1], dims)
    ranges = [_range(vectors[:, i]) for i in range(k)]
    gap = 2
    canvas = Image.new("RGB", (k * cell, k * cell), (200, 200, 200))
    draw = ImageDraw.Draw(canvas)
    for i in range(k):
        for j in range(k):
            left, top, size = j * cell + gap // 2, i * cell + gap // 2, cell - gap
            draw.rectangle((left, top, left + size - 1, top + size - 1), fill="white")
            if i == j:
                _draw_histogram(draw, vectors[:, i], (left, top, size))
            else:
                points = vectors[:, [j, i]]
                _draw_scatter(draw, points, (left, top, size), ranges[j], ranges[i], radius=1.0)
    return _picture(canvas)


def can_render(shape: Sequence[int]) -> bool:
    """True when ``render_samples`` draws samples of shape ``(N, *shape)``: ``(D,)`` vectors (any ``D >= 1``) or
    ``(C, H, W)`` images with ``C`` 1 or 3."""
    shape = tuple(shape)
    return (len(shape) == 1 and shape[0] >= 1) or (len(shape) == 3 and shape[0] in (1, 3))


def render_samples(samples: torch.Tensor, nrow: int = 8) -> torch.Tensor:
    """Samples -> the ``(3, H, W)`` uint8 picture that fits them.

    ``(N, C, H, W)`` images (``C`` 1 or 3): a grid of ``nrow`` a row; ``(N, 2)`` points: a scatter plot;
    ``(N, D)`` vectors with ``D > 2``: a pairs plot of the first ``PAIRS_DIMS`` coordinates; ``(N, 1)``: a
    histogram. Any other shape raises ``ValueError`` (see ``can_render``).
    """
    shape = tuple(samples.shape[1:])
    if not can_render(shape):
        raise ValueError(
            f"no picture for samples of shape {shape}: only (D,) vectors and (1 or 3, H, W) images are drawn"
        )
    if len(shape) == 3:
        return image_grid(samples, nrow)
    if shape[0] == 2:
        return scatter_plot(samples)
    return pairs_plot(samples)


def class_rows(num_classes: int, per_row: int) -> torch.Tensor:
    """``(num_classes * per_row,)`` labels ``0, 0, ..., 1, 1, ...``: one class per grid row of ``per_row`` images."""
    return torch.arange(num_classes).repeat_interleave(per_row)


def _pil(picture: torch.Tensor) -> Image.Image:
    """A ``(3, H, W)`` or ``(1, H, W)`` uint8 tensor (or ``(H, W)``) -> an RGB or 8-bit grey PIL image."""
    picture = to_uint8(picture).cpu()
    if picture.dim() == 3 and picture.shape[0] == 1:
        picture = picture[0]
    array = picture.numpy() if picture.dim() == 2 else picture.permute(1, 2, 0).numpy()
    return Image.fromarray(array)


def save_png(picture: torch.Tensor, path: str | Path) -> Path:
    """Writes a ``(3, H, W)`` (RGB) or ``(1, H, W)`` / ``(H, W)`` (grey) uint8 picture to ``path`` (parents
    created; floats in [-1, 1] are converted with ``to_uint8``); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _pil(picture).save(path)
    return path


def save_gif(frames: Sequence[torch.Tensor], path: str | Path, frame_ms: int = 120) -> Path:
    """Writes ``(3, H, W)`` uint8 frames as a looping GIF, ``frame_ms`` milliseconds each (parents created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pictures = [_pil(frame) for frame in frames]
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=frame_ms, loop=0)
    return path
