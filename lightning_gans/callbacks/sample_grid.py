"""Saves a grid of samples from fixed noise every N generator steps and at the end of training."""

from __future__ import annotations

from pathlib import Path

import torch
from lightning.pytorch import Callback, LightningModule, Trainer
from lightning.pytorch.utilities import rank_zero_info, rank_zero_warn
from typing_extensions import override

from lightning_gans._warnings import LightningGansWarning
from lightning_gans.capabilities import Translates

# the picture helpers live in lightning_gans.render; image_grid and scatter_plot are re-exported from here for
# code that imported them from this module before
from lightning_gans.render import can_render, class_rows, image_grid, render_samples, save_png, scatter_plot

__all__ = [
    "SampleGrid",
    "class_rows",
    "image_grid",
    "log_image",
    "render_samples",
    "save_png",
    "scatter_plot",
]


class SampleGrid(Callback):
    """Every ``every_n_steps`` generator steps and at the end, renders ``pl_module.sample(z=fixed_noise)``.

    For a class-conditional model (``num_classes`` K) the grid has one class per row: K rows of ``nrow``
    images (``num_samples`` is then ``K * nrow``).

    The PNG goes to ``<run folder>/samples/step_XXXXXXX.png`` (the run folder is ``trainer.log_dir``) and to
    ``samples/final.png`` at the end; the same picture goes to every attached logger that takes images
    (TensorBoard, Weights & Biases). The picture fits the samples (``lightning_gans.render.render_samples``):
    a grid for images, a scatter plot for 2-D points, a pairs plot of the first coordinates for wider vectors
    (a table's rows). A picture that cannot be made is a warning, never a failed run.

    The fixed noise comes from the model's ``sample_noise`` (so InfoGAN's ``noise_std`` is honoured), drawn once
    under ``seed`` without touching the run's random streams. For a translation model (CycleGAN, Pix2Pix) the grid
    shows the first ``nrow`` real images of each domain from the first training batch, with their translations
    (and, for CycleGAN, reconstructions): one row each.

    Args:
        every_n_steps: cadence in generator steps (0 = only at the end).
        num_samples: images in the grid (points in the plot for vector data).
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
        self._warned: set[str] = set()
        self.fixed_real: tuple[torch.Tensor, torch.Tensor] | None = None
        """Translation models: the real (A, B) images every grid shows, from the first training batch."""

    def _labels(self, pl_module: LightningModule) -> torch.Tensor | None:
        num_classes = getattr(pl_module, "num_classes", None)
        return None if num_classes is None else class_rows(num_classes, self.nrow)

    def _noise(self, pl_module: LightningModule) -> torch.Tensor:
        """The fixed noise on the module's device, drawn on first use through the model's ``sample_noise``.

        Drawn under ``seed`` inside ``torch.random.fork_rng``: the same noise at every step (it is kept, on the
        CPU, in ``fixed_noise``) and the global random streams the run trains with are left as they were. It is
        the noise ``lightning-gans sample --grid --seed SEED --num N`` draws on the same device.
        """
        if self.fixed_noise is None:
            labels = self._labels(pl_module)
            n = self.num_samples if labels is None else len(labels)
            devices = [pl_module.device] if pl_module.device.type == "cuda" else []
            with torch.random.fork_rng(devices=devices):
                torch.manual_seed(self.seed)
                self.fixed_noise = pl_module.sample_noise(n).detach().cpu()
        return self.fixed_noise.to(pl_module.device)

    @override
    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        # trainer.log_dir is a collective under DDP (it broadcasts rank 0's folder), so it is asked here, where
        # every rank runs, and never inside render's rank-zero branch: a collective that only rank 0 enters waits
        # forever for the others (docs/DESIGN.md, "Collectives run on every rank or on none").
        self.folder = Path(trainer.log_dir or trainer.default_root_dir) / "samples"

    def _sample(self, pl_module: LightningModule) -> torch.Tensor:
        """The grid's samples: fixed noise, and one class per row for a conditional model; for a translation
        model, rows of fixed real images and what the model makes of them (``_translations``)."""
        if isinstance(pl_module, Translates):
            return self._translations(pl_module)
        labels = self._labels(pl_module)
        if labels is None:
            return pl_module.sample(z=self._noise(pl_module))
        return pl_module.sample(z=self._noise(pl_module), labels=labels)

    def _translations(self, pl_module: LightningModule) -> torch.Tensor:
        """``(rows * n, 3, H, W)``: real A, its translation, its reconstruction, then the same from B (CycleGAN);
        real A, its translation and the true B for paired models (Pix2Pix). The real images are the first
        ``nrow`` of the first training batch, kept for the whole run (grey rows drawn in RGB)."""
        if self.fixed_real is None:
            raise RuntimeError("no training batch seen yet")
        real_a, real_b = (x.to(pl_module.device) for x in self.fixed_real)
        fake_b = pl_module.translate(real_a, "a2b")
        if hasattr(pl_module, "generator_ba"):
            fake_a = pl_module.translate(real_b, "b2a")
            rows = [real_a, fake_b, pl_module.translate(fake_b, "b2a"), real_b, fake_a]
            rows.append(pl_module.translate(fake_a, "a2b"))
        else:
            rows = [real_a, fake_b, real_b]
        return torch.cat([r.expand(-1, 3, -1, -1) if r.shape[1] == 1 else r for r in rows])

    def _warn_once(self, message: str, key: str | None = None) -> None:
        """Warns with ``message`` unless a warning with the same ``key`` (default: the message) was given."""
        key = message if key is None else key
        if key not in self._warned:
            self._warned.add(key)
            rank_zero_warn(message, category=LightningGansWarning)

    def render(self, trainer: Trainer, pl_module: LightningModule, name: str) -> Path | None:
        """Samples, saves the PNG and sends it to the loggers; returns the path (rank zero only).

        Never raises: a picture is not worth a finished run. Samples of a shape no picture fits (see
        ``lightning_gans.render.can_render``) get a one-line note, any other failure a warning; both once per
        run, and None is returned.
        """
        if not trainer.is_global_zero:
            return None
        # no collective below this line: only rank zero gets here (sampling is eval mode, EMA or plain
        # generator, never the DDP-wrapped module)
        try:
            samples = self._sample(pl_module)
            if not can_render(samples.shape[1:]):
                self._warn_once(
                    f"SampleGrid: no picture for samples of shape {tuple(samples.shape[1:])} (only vectors and "
                    "1- or 3-channel images are drawn); no sample grids are written."
                )
                return None
            picture = render_samples(samples, self.nrow)
            self.last_path = save_png(picture, self.folder / f"{name}.png")
            for logger in trainer.loggers:
                log_image(logger, "samples", picture, trainer.global_step)
        except Exception as error:  # noqa: BLE001  a callback must never lose a finished run
            reason = f"{type(error).__name__}: {error}"
            self._warn_once(
                f"SampleGrid could not write {name}.png ({reason}); training goes on.", key=reason
            )
            return None
        return self.last_path

    @override
    def on_train_batch_end(
        self, trainer: Trainer, pl_module: LightningModule, outputs, batch, batch_idx: int
    ) -> None:
        if self.fixed_real is None and isinstance(batch, dict) and "A" in batch and "B" in batch:
            n = min(self.nrow, len(batch["A"]), len(batch["B"]))
            self.fixed_real = (batch["A"][:n].detach().cpu(), batch["B"][:n].detach().cpu())
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
