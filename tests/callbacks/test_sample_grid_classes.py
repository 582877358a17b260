"""The sample grid of a class-conditional model: one class per row."""

import numpy as np
import torch
from lightning.pytorch import Trainer
from PIL import Image

from lightning_gans import DCGAN, DigitsDataModule, SampleGrid
from lightning_gans.render import image_grid


def test_conditional_grid_has_one_class_per_row(fast_trainer_kwargs):
    grid = SampleGrid(every_n_steps=0, nrow=3)
    model = DCGAN(
        data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8, num_classes=10
    )
    Trainer(max_steps=1, callbacks=[grid], **fast_trainer_kwargs).fit(
        model, DigitsDataModule(image_size=16, batch_size=16)
    )
    picture = np.array(Image.open(grid.last_path))
    assert picture.shape == (10 * 18 + 2, 3 * 18 + 2, 3)  # 10 class rows of 3 images
    rows = torch.arange(10).repeat_interleave(3)
    expected = image_grid(model.sample(z=grid.fixed_noise, labels=rows), nrow=3).permute(1, 2, 0).numpy()
    assert np.array_equal(picture, expected)
    shuffled = (
        image_grid(model.sample(z=grid.fixed_noise, labels=rows.flip(0)), nrow=3).permute(1, 2, 0).numpy()
    )
    assert not np.array_equal(picture, shuffled)


def test_the_grid_does_not_change_what_a_conditional_run_trains(tmp_path, fast_trainer_kwargs):
    weights = []
    for callbacks in ([], [SampleGrid(every_n_steps=1, nrow=2)]):
        torch.manual_seed(0)
        model = DCGAN(
            data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8, num_classes=10
        )
        Trainer(max_steps=3, callbacks=callbacks, **fast_trainer_kwargs).fit(
            model, DigitsDataModule(image_size=16, batch_size=16)
        )
        weights.append(model.state_dict())
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
