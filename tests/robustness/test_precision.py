"""Mixed precision on CPU: bf16-mixed trains every variant with finite losses; the gradient penalty under autocast
matches fp32; fp16 follows the scaled-gradient recipe (PyTorch AMP examples) and stays finite.

There is no GPU on the machine these tests were written on: 16-mixed runs here on CPU through Lightning's
``MixedPrecision`` plugin with a CPU ``GradScaler`` (the same plugin code path as on CUDA, different kernels).
"""

from __future__ import annotations

import math

import pytest
import torch
from lightning.pytorch import Callback, Trainer, seed_everything
from lightning.pytorch.plugins.precision import MixedPrecision

from lightning_gans import DCGAN, WGANGP, DigitsDataModule, Toy2DDataModule, VanillaGAN, losses
from lightning_gans.nets import DCGANDiscriminator, MLPDiscriminator

BF16_GP_RTOL = 1e-2  # bf16 keeps 8 significant bits (~4e-3 per rounding); measured ~2e-4 here
FP16_GP_RTOL = 5e-3  # fp16 keeps 11 bits (~5e-4 per rounding); measured up to ~1.2e-3 here


class RecordLosses(Callback):
    def __init__(self) -> None:
        self.history: list[dict[str, float]] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.history.append({k: float(v) for k, v in trainer.callback_metrics.items()})


VARIANTS = {
    "vanilla": (
        lambda: VanillaGAN(data_shape=[2], hidden_dims=(32,)),
        lambda: Toy2DDataModule(batch_size=32),
    ),
    "wgan_gp": (
        lambda: WGANGP(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, critic_width=8, d_steps=2),
        lambda: DigitsDataModule(image_size=16, batch_size=16),
    ),
    "dcgan": (
        lambda: DCGAN(data_shape=[1, 16, 16], latent_dim=8, generator_width=8, discriminator_width=8),
        lambda: DigitsDataModule(image_size=16, batch_size=16),
    ),
}


def train(variant: str, fast_trainer_kwargs, steps: int = 3, **trainer_kwargs) -> list[dict[str, float]]:
    seed_everything(0)
    make_model, make_data = VARIANTS[variant]
    model = make_model()
    record = RecordLosses()
    Trainer(max_steps=steps, callbacks=[record], **fast_trainer_kwargs, **trainer_kwargs).fit(
        model, make_data()
    )
    assert all(torch.isfinite(p).all() for p in model.parameters())
    return record.history


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_bf16_mixed_trains_with_finite_losses(variant, fast_trainer_kwargs):
    history = train(variant, fast_trainer_kwargs, precision="bf16-mixed")
    assert len(history) == 3
    for metrics in history:
        assert {"train/d_loss", "train/g_loss"} <= metrics.keys()
        assert all(math.isfinite(v) for v in metrics.values()), metrics
    if variant == "wgan_gp":
        assert all(m["train/gp"] > 0 for m in history)


def critics():
    torch.manual_seed(0)
    return [
        (DCGANDiscriminator(16, 1, 8, norm="none"), (32, 1, 16, 16)),
        (MLPDiscriminator((2,), (64, 64)), (32, 2)),
    ]


def penalty(critic, real, fake, dtype=None, grad_scale=None) -> torch.Tensor:
    torch.manual_seed(1)  # the same interpolation coefficients every time
    if dtype is None:
        return losses.gradient_penalty(critic, real, fake, grad_scale=grad_scale)
    with torch.autocast("cpu", dtype=dtype):
        return losses.gradient_penalty(critic, real, fake, grad_scale=grad_scale)


@pytest.mark.parametrize("index", [0, 1], ids=["conv", "mlp"])
def test_gradient_penalty_under_bf16_autocast_matches_fp32(index):
    critic, shape = critics()[index]
    real, fake = torch.randn(shape), torch.randn(shape)
    reference = penalty(critic, real, fake)
    value = penalty(critic, real, fake, torch.bfloat16)
    assert value.dtype == torch.float32
    torch.testing.assert_close(value, reference, rtol=BF16_GP_RTOL, atol=0)


@pytest.mark.parametrize("index", [0, 1], ids=["conv", "mlp"])
def test_gradient_penalty_under_fp16_with_the_scaled_recipe_matches_fp32(index):
    """Scaled as the GradScaler would (outputs times the scale, ``autograd.grad``, unscale) the fp16 penalty
    matches fp32. At the GradScaler's initial scale 2**16 the fp16 backward overflows (fp16 max is 65504): the
    penalty is NaN, that step's gradients are Inf, and the scaler skips the step and halves its scale."""
    critic, shape = critics()[index]
    real, fake = torch.randn(shape), torch.randn(shape)
    reference = penalty(critic, real, fake)
    scaled = penalty(critic, real, fake, torch.float16, grad_scale=2.0**14)
    assert torch.isfinite(scaled)
    torch.testing.assert_close(scaled, reference, rtol=FP16_GP_RTOL, atol=0)
    assert not torch.isfinite(penalty(critic, real, fake, torch.float16, grad_scale=2.0**16))


def test_16_mixed_wgan_gp_stays_finite_with_a_grad_scaler(fast_trainer_kwargs):
    """The real 16-mixed path (Lightning's MixedPrecision + GradScaler) on CPU: the first step overflows at
    the initial scale 2**16 and is skipped by the scaler (as on GPU); after that every loss is finite."""
    plugin = MixedPrecision("16-mixed", "cpu", scaler=torch.amp.GradScaler("cpu"))
    history = train("wgan_gp", fast_trainer_kwargs, steps=4, plugins=[plugin])
    assert plugin.scaler.get_scale() < 2.0**16
    for metrics in history[1:]:
        assert all(math.isfinite(v) for v in metrics.values()), metrics
        assert metrics["train/gp"] > 0
