"""Learning test: a class-conditional DCGAN on the digits makes the digit it is asked for.

The settings of configs/conditional/digits.yaml (32x32, latent 100, widths 32, Adam(2e-4, 0.5)) on a shorter
budget (600 of its 1,500 generator steps, 2-4 min on 2 CPU cores). The shipped digits classifier must find the
requested class in at least 90% of 100 samples per class (seeded noise).
"""

import pytest
import torch
from lightning.pytorch import Trainer, seed_everything

from lightning_gans import DCGAN, DigitsDataModule
from lightning_gans.metrics import conditional_accuracy, load_digits_classifier


@pytest.mark.slow
def test_conditional_dcgan_makes_the_requested_digit(fast_trainer_kwargs):
    torch.set_num_threads(1)
    seed_everything(0)
    model = DCGAN(
        data_shape=[1, 32, 32], latent_dim=100, generator_width=32, discriminator_width=32, num_classes=10
    )
    Trainer(max_steps=600, **fast_trainer_kwargs).fit(model, DigitsDataModule(image_size=32, batch_size=64))
    result = conditional_accuracy(model, load_digits_classifier(), per_class=100, seed=1)
    print(result)
    assert result["accuracy"] >= 0.9, result
