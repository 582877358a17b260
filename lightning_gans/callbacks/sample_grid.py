"""Saves a grid of samples from fixed noise every N generator steps and at the end of training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from lightning.pytorch import Callback, LightningModule, Trainer
from lightning.pytorch.utilities import rank_zero_info
from PIL import Image, ImageDraw
from torchvision.utils import make_grid
from typing_extensions import override


def image_grid(images: torch.Tensor, nrow: int = 8) -> torch.Tensor:
    """``(N, C, H, W)`` images in [-1, 1] -> ``(3, H', W')`` uint8 grid (grey images become RGB)."""
    grid = make_grid(
        images.detach().float().cpu().clamp(-1, 1), nrow=nrow, padding=2, normalize=True, value_range=(-1, 1)
    )
    return (grid * 255).round().to(torch.uint8)


def scatter_plot(points: torch.Tensor, size: int = 512, extent: float | None = None) -> torch.Tensor:
    """``(N, 2)`` points -> ``(3, size, size)`` uint8 scatter plot (white background, dark dots)."""
    points = points.detach().float().cpu()
    if extent is None:
        extent = float(points.abs().max().clamp(min=1.0)) * 1.1
    canvas = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(canvas)
    pixels = ((points / extent + 1) / 2 * (size - 1)).tolist()
    for x, y in pixels:
        y = size - 1 - y  # y axis up
        draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=(31, 119, 180))
    return torch.from_numpy(np.array(canvas)).permute(2, 0, 1).contiguous()


def render_samples(samples: torch.Tensor, nrow: int = 8) -> torch.Tensor:
    """Images as a grid, 2-D points as a scatter plot: ``(3, H, W)`` uint8."""
    return scatter_plot(samples) if samples.dim() == 2 else image_grid(samples, nrow)


def class_rows(num_classes: int, per_row: int) -> torch.Tensor:
    """``(num_classes * per_row,)`` labels ``0, 0, ..., 1, 1, ...``: one class per grid row of ``per_row`` images."""
    return torch.arange(num_classes).repeat_interleave(per_row)


def save_png(picture: torch.Tensor, path: str | Path) -> Path:
    """Writes a ``(3, H, W)`` uint8 tensor to ``path`` (parents created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(picture.permute(1, 2, 0).numpy()).save(path)
    return path


class SampleGrid(Callback):
    """Every ``every_n_steps`` generator steps and at the end, renders ``pl_module.sample(z=fixed_noise)``.

    For a class-conditional model (``num_classes`` K) the grid has one class per row: K rows of ``nrow``
    images (``num_samples`` is then ``K * nrow``).

    The PNG goes to ``<run folder>/samples/step_XXXXXXX.png`` (the run folder is ``trainer.log_dir``) and to
    ``samples/final.png`` at the end; the same picture goes to every attached logger that takes images
    (TensorBoard, Weights & Biases).

    Args:
        every_n_steps: cadence in generator steps (0 = only at the end).
        num_samples: images in the grid (points in the scatter plot for 2-D data).
        nrow: images per grid row.
        seed: seed of the fixed noise, so grids from different steps and runs are comparable.
    """

    def __init__(self, every_n_steps: int = 500, num_samples: int = 64, nrow: int = 8, seed: int = 0) -> None:
        self.every_n_steps = every_n_steps
        self.num_samples = num_samples
        self.nrow = nrow
        self.seed = seed
        self.fixed_noise: torch.Tensor | None = None
        self.last_path: Path | None = None
        self.folder: Path | None = None
        """``<run folder>/samples``, found in ``setup`` (on every rank)."""

    def _labels(self, pl_module: LightningModule) -> torch.Tensor | None:
        num_classes = getattr(pl_module, "num_classes", None)
        return None if num_classes is None else class_rows(num_classes, self.nrow)

    def _noise(self, pl_module: LightningModule) -> torch.Tensor:
        if self.fixed_noise is None:
            labels = self._labels(pl_module)
            n = self.num_samples if labels is None else len(labels)
            generator = torch.Generator().manual_seed(self.seed)
            self.fixed_noise = torch.randn(n, pl_module.latent_dim, generator=generator)
        return self.fixed_noise.to(pl_module.device)

    @override
    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        # trainer.log_dir is a collective under DDP (it broadcasts rank 0's folder), so it is asked here, where
        # every rank runs, and never inside render's rank-zero branch: a collective that only rank 0 enters waits
        # forever for the others (docs/DESIGN.md, "Collectives run on every rank or on none").
        self.folder = Path(trainer.log_dir or trainer.default_root_dir) / "samples"

    def _sample(self, pl_module: LightningModule) -> torch.Tensor:
        """The grid's samples: fixed noise, and one class per row for a conditional model."""
        labels = self._labels(pl_module)
        if labels is None:
            return pl_module.sample(z=self._noise(pl_module))
        return pl_module.sample(z=self._noise(pl_module), labels=labels)

    def render(self, trainer: Trainer, pl_module: LightningModule, name: str) -> Path | None:
        """Samples, saves the PNG and sends it to the loggers; returns the path (rank zero only)."""
        if not trainer.is_global_zero:
            return None
        # no collective below this line: only rank zero gets here (sampling is eval mode, EMA or plain
        # generator, never the DDP-wrapped module)
        samples = self._sample(pl_module)
        picture = render_samples(samples, self.nrow)
        self.last_path = save_png(picture, self.folder / f"{name}.png")
        for logger in trainer.loggers:
            log_image(logger, "samples", picture, trainer.global_step)
        return self.last_path

    @override
    def on_train_batch_end(
        self, trainer: Trainer, pl_module: LightningModule, outputs, batch, batch_idx: int
    ) -> None:
        step = trainer.global_step
        if self.every_n_steps and step % self.every_n_steps == 0:
            self.render(trainer, pl_module, f"step_{step:07d}")

    @override
    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if getattr(pl_module, "preempted", False):
            return  # a pre-empted run must end within the cluster's grace period
        path = self.render(trainer, pl_module, "final")
        if path is not None:
            rank_zero_info(f"Sample grid: {path}")


def log_image(logger, key: str, picture: torch.Tensor, step: int) -> None:
    """Sends a ``(3, H, W)`` uint8 picture to a logger that takes images; other loggers are skipped."""
    from lightning.pytorch.loggers import TensorBoardLogger, WandbLogger

    if isinstance(logger, WandbLogger):
        logger.log_image(key=key, images=[picture.permute(1, 2, 0).numpy()], step=step)
    elif isinstance(logger, TensorBoardLogger):
        logger.experiment.add_image(key, picture, global_step=step)
