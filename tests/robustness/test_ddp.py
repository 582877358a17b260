"""DDP with 2 CPU processes (gloo) through the real CLI: after training, every parameter is identical on both
ranks, for each variant, WGAN-GP's gradient penalty included; and the ranks drew different noise.

Each rank sees different data (TensorBatchLoader shards the digits by rank; the 2-D toys seed each batch by
rank), so unsynchronised gradients, e.g. from a gradient penalty whose ``autograd.grad`` bypassed DDP's hooks,
would make the ranks drift apart.
"""

from __future__ import annotations

import pytest
import torch

from tests.robustness.helpers import fit_subprocess

VARIANTS = {
    "vanilla": [
        "--model=lightning_gans.VanillaGAN",
        "--model.data_shape=[2]",
        "--model.hidden_dims=[16]",
        "--data=lightning_gans.Toy2DDataModule",
        "--data.batch_size=32",
        "--data.batches_per_epoch=3",
    ],
    "wgan_gp": [
        "--model=lightning_gans.WGANGP",
        "--model.data_shape=[1,16,16]",
        "--model.latent_dim=8",
        "--model.generator_width=8",
        "--model.critic_width=8",
        "--model.d_steps=2",
        "--data=lightning_gans.DigitsDataModule",
        "--data.image_size=16",
        "--data.batch_size=16",
    ],
    "dcgan": [
        "--model=lightning_gans.DCGAN",
        "--model.data_shape=[1,16,16]",
        "--model.latent_dim=8",
        "--model.generator_width=8",
        "--model.discriminator_width=8",
        "--data=lightning_gans.DigitsDataModule",
        "--data.image_size=16",
        "--data.batch_size=16",
    ],
}


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_parameters_are_identical_on_both_ranks(tmp_path, variant):
    out = tmp_path / "params"
    result = fit_subprocess(
        tmp_path,
        *VARIANTS[variant],
        "--trainer.strategy=ddp",
        "--trainer.devices=2",
        "--trainer.max_steps=4",
        "--trainer.enable_checkpointing=false",
        f"--trainer.default_root_dir={tmp_path}",
        "--trainer.callbacks+=helpers.DumpParameters",
        f"--trainer.callbacks.folder={out}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [torch.load(out / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert [r["world_size"] for r in ranks] == [2, 2]
    assert [r["global_step"] for r in ranks] == [4, 4]
    # the ranks trained on different data, so only synchronised gradients can keep them identical
    assert ranks[0]["first_batch_sum"] != ranks[1]["first_batch_sum"]
    # and each rank generated its own fakes: same seed everywhere, but not the same noise
    assert ranks[0]["first_noise"].shape == ranks[1]["first_noise"].shape
    assert not torch.equal(ranks[0]["first_noise"], ranks[1]["first_noise"])
    params0, params1 = ranks[0]["parameters"], ranks[1]["parameters"]
    assert params0.keys() == params1.keys()
    assert any(k.startswith("generator.") for k in params0) and any(
        k.startswith("discriminator.") for k in params0
    )
    differing = [k for k in params0 if not torch.equal(params0[k], params1[k])]
    assert not differing, f"parameters differ between ranks: {differing}"
