"""The sample-grid callback: PNGs at the cadence and at the end, the same picture sent to TensorBoard."""

import pytest
import torch
from lightning.pytorch import Trainer
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from lightning_gans import DCGAN, DigitsDataModule, SampleGrid, Toy2DDataModule, VanillaGAN
from lightning_gans.render import image_grid, scatter_plot


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


def test_noise_comes_from_the_model_and_leaves_the_training_stream_alone():
    from lightning_gans import InfoGAN
    from lightning_gans.tools import seeded_noise

    model = InfoGAN(data_shape=[4], architecture="mlp", hidden_dims=(8,), latent_dim=16, noise_std=0.1)
    grid = SampleGrid(num_samples=500, seed=5)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    noise = grid._noise(model)
    assert torch.equal(torch.get_rng_state(), before)  # drawing it did not consume the run's random numbers
    assert abs(noise.std().item() - 0.1) < 0.01  # InfoGAN's noise_std, through model.sample_noise
    assert torch.equal(noise, seeded_noise(model, 500, seed=5))  # what `lightning-gans sample --seed 5` draws
    model.noise_std = 1.0
    assert torch.equal(grid._noise(model), noise)  # fixed for the whole run


def test_wide_vectors_get_a_pairs_plot_and_a_failing_picture_is_a_warning(
    tmp_path, fast_trainer_kwargs, monkeypatch
):
    from lightning.pytorch.callbacks import ModelCheckpoint

    from lightning_gans._warnings import LightningGansWarning
    from lightning_gans.callbacks import sample_grid

    data = torch.utils.data.DataLoader(torch.randn(64, 13), batch_size=16)  # a 13-column table
    grid = SampleGrid(every_n_steps=0, num_samples=50)
    model = VanillaGAN(data_shape=[13], hidden_dims=(8,))
    Trainer(max_steps=2, callbacks=[grid], **fast_trainer_kwargs).fit(model, train_dataloaders=data)
    with Image.open(grid.last_path) as image:
        assert image.size == (4 * 160, 4 * 160)  # pairs plot of the first 4 coordinates

    def broken(*args, **kwargs):
        raise RuntimeError("no pictures today")

    monkeypatch.setattr(sample_grid, "render_samples", broken)
    fast_trainer_kwargs.update(enable_checkpointing=True, default_root_dir=str(tmp_path / "broken"))
    checkpoint = ModelCheckpoint(dirpath=tmp_path / "ckpt", save_last=True, save_top_k=0)
    grid = SampleGrid(every_n_steps=1, num_samples=50)
    with pytest.warns(LightningGansWarning, match="could not write .*no pictures today") as caught:
        Trainer(max_steps=2, callbacks=[grid, checkpoint], **fast_trainer_kwargs).fit(
            model, train_dataloaders=data
        )
    assert sum(issubclass(w.category, LightningGansWarning) for w in caught) == 1  # once, not at every step
    assert (tmp_path / "ckpt" / "last.ckpt").exists() and grid.last_path is None


def test_samples_no_picture_fits_get_a_note_not_an_error(fast_trainer_kwargs):
    from lightning_gans._warnings import LightningGansWarning

    model = VanillaGAN(data_shape=[2], hidden_dims=(8,))
    model.sample = lambda **kwargs: torch.zeros(4, 5, 3, 3)  # 5-channel "images"
    grid = SampleGrid(every_n_steps=0)
    grid.folder = None
    trainer = Trainer(max_steps=1, **fast_trainer_kwargs)
    with pytest.warns(LightningGansWarning, match=r"no picture for samples of shape \(5, 3, 3\)"):
        assert grid.render(trainer, model, "final") is None


def test_translation_grid_rows_real_translated_reconstructed(tmp_path):
    from lightning_gans import CycleGAN
    from tests.translation_data import TinyTranslationData

    grid = SampleGrid(every_n_steps=0, nrow=2)
    model = CycleGAN(
        channels_a=1,
        channels_b=3,
        image_size=16,
        generator_width=4,
        discriminator_width=4,
        n_blocks=1,
        discriminator_layers=2,
    )
    Trainer(
        max_steps=2,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=tmp_path,
        callbacks=[grid],
    ).fit(model, TinyTranslationData())
    with Image.open(grid.last_path) as image:
        assert image.size == (2 * 18 + 2, 6 * 18 + 2)  # 2 images a row; A, A->B, A->B->A, B, B->A, B->A->B
    assert torch.equal(grid.fixed_real[0], TinyTranslationData().a[:2])  # the first batch's real images
