"""Shared test settings: small thread count, no network, quiet loggers."""

from __future__ import annotations

import os

import pytest
import torch

os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")
# Under pytest-xdist (`make test` runs the suites with -n 2 on the 2-core CI machine) each worker keeps to one
# intra-op thread: two workers with two threads each on two cores slow each other down many times over.
torch.set_num_threads(1 if os.environ.get("PYTEST_XDIST_WORKER") else min(2, torch.get_num_threads()))


@pytest.fixture
def fast_trainer_kwargs(tmp_path):
    """Trainer settings for short CPU runs that write into the test's temporary folder."""
    return dict(
        accelerator="cpu",
        default_root_dir=str(tmp_path),
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )


from tests.checkpoints import (  # noqa: E402, F401
    bigan_ckpt,
    clustergan_ckpt,
    clustergan_table_ckpt,
    conditional_ckpt,
    cyclegan_ckpt,
    dcgan_ckpt,
    infogan_ckpt,
    pix2pix_ckpt,
    tiny_checkpoint,
)
