"""The sample-grid callback: PNGs at the cadence and at the end, the same picture sent to TensorBoard."""

import torch
from lightning.pytorch import Trainer
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from lightning_gans import DCGAN, DigitsDataModule, SampleGrid, Toy2DDataModule, VanillaGAN
from lightning_gans.callbacks.sample_grid import image_grid, scatter_plot


def test_grids_at_cadence_and_end_and_in_tensorboard(tmp_path, fast_trainer_kwargs):
    fast_trainer_kwargs["logger"] = [TensorBoardLogger(tmp_path, name="tb"), CSVLogger(tmp_path, name="csv")]
    grid = SampleGrid(every_n_steps=2, num_samples=16, nrow=4)
    model = DCGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8)
    trainer = Trainer(max_steps=4, callbacks=[grid], **fast_trainer_kwargs)
    trainer.fit(model, DigitsDataModule(image_size=16, batch_size=16))

    folder = tmp_path / "tb" / "version_0" / "samples"  # the run folder is the first logger's log_dir
    assert sorted(p.name for p in folder.iterdir()) == ["final.png", "step_0000002.png", "step_0000004.png"]
    with Image.open(folder / "final.png") as image:
        # 4x4 grid of 16x16 images with 2-pixel padding
        assert image.size == (4 * 18 + 2, 4 * 18 + 2) and image.mode == "RGB"
    assert grid.last_path == folder / "final.png"

    events = EventAccumulator(str(tmp_path / "tb" / "version_0"), size_guidance={"images": 0}).Reload()
    steps = [event.step for event in events.Images("samples")]
    assert steps == [2, 4, 4]


def test_grid_is_deterministic_for_fixed_noise(tmp_path, fast_trainer_kwargs):
    paths = []
    for run in ("a", "b"):
        torch.manual_seed(0)
        model = VanillaGAN(data_shape=[2], hidden_dims=(8,))
        fast_trainer_kwargs["default_root_dir"] = str(tmp_path / run)
        grid = SampleGrid(every_n_steps=0, num_samples=100, seed=3)
        Trainer(max_steps=1, callbacks=[grid], **fast_trainer_kwargs).fit(
            model, Toy2DDataModule(batch_size=8)
        )
        paths.append(grid.last_path)
    assert paths[0] != paths[1] and paths[0].read_bytes() == paths[1].read_bytes()


def test_image_grid_maps_minus_one_to_black_and_one_to_white():
    images = torch.stack([-torch.ones(1, 4, 4), torch.ones(1, 4, 4)])
    grid = image_grid(images, nrow=2)
    assert grid.dtype == torch.uint8 and grid.shape == (3, 8, 14)
    assert grid[:, 2, 2].tolist() == [0, 0, 0] and grid[:, 2, 8].tolist() == [255, 255, 255]


def test_scatter_plot_draws_points():
    picture = scatter_plot(torch.tensor([[0.0, 0.0]]), size=64, extent=1.0)
    assert picture.shape == (3, 64, 64)
    assert picture[:, 32, 32].tolist() != [255, 255, 255] and picture[:, 2, 2].tolist() == [255, 255, 255]
