"""Learning tests: VanillaGAN and WGANGP recover the modes of ring8 within a bounded budget (~1 min each).

Protocol (DESIGN.md): 2,500 samples; high quality = within 3 std of the nearest mode; a mode is covered when at
least one high-quality sample is nearest to it. The budget is shorter than the configs' full schedules, so the
bar is 6 of 8 modes; benchmarks/quality.py measures the full schedules against the published tables.
"""

from pathlib import Path

import pytest
import torch

from lightning_gans.cli import GANCLI
from lightning_gans.data.toy2d import toy_modes
from lightning_gans.metrics import mode_coverage

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("config", "steps"), [("vanilla_gan/ring8.yaml", 3000), ("wgan_gp/ring8.yaml", 1000)]
)
def test_ring8_modes_recovered(config, steps, tmp_path):
    torch.set_num_threads(1)
    cli = GANCLI(
        args=[
            "fit",
            f"--config={CONFIGS / config}",
            f"--trainer.max_steps={steps}",
            f"--trainer.default_root_dir={tmp_path}",
            "--trainer.accelerator=cpu",
            "--trainer.logger=false",
            "--trainer.enable_checkpointing=false",
            "--trainer.enable_progress_bar=false",
        ]
    )
    torch.manual_seed(1)
    modes, std = toy_modes("ring8")
    scores = mode_coverage(cli.model.sample(2500), modes, std)
    print(config, steps, scores)
    assert scores["modes"] >= 6, scores
