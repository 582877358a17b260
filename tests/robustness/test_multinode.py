"""Two "nodes" of one process each, launched by torchrun on the loopback address, train like one node with two
processes: the same parameters at the end (same seed, same data shards, same noise per global rank)."""

from __future__ import annotations

import socket
import sys

import pytest
import torch

from tests.robustness.helpers import finish, fit_command, fit_subprocess, start
from tests.robustness.test_ddp import VARIANTS

# with a sample grid every 2 steps (a callback with rank-zero work, mid-run and at the end)
STEPS = [
    "--trainer.max_steps=4",
    "--trainer.enable_checkpointing=false",
    "--trainer.callbacks+=lightning_gans.SampleGrid",
    "--trainer.callbacks.every_n_steps=2",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dump(folder) -> list[str]:
    return ["--trainer.callbacks+=helpers.DumpParameters", f"--trainer.callbacks.folder={folder}"]


@pytest.mark.slow
def test_two_torchrun_nodes_match_one_node_with_two_processes(tmp_path):
    # WGAN-GP on the digits: data sharded by global rank, and the gradient penalty's autograd.grad path
    args = [*VARIANTS["wgan_gp"], *STEPS, f"--trainer.default_root_dir={tmp_path}"]
    one_node = fit_subprocess(
        tmp_path, *args, "--trainer.strategy=ddp", "--trainer.devices=2", *dump(tmp_path / "one"), timeout=300
    )
    assert one_node.returncode == 0, one_node.stderr[-3000:]

    port = free_port()
    nodes = [
        start(
            fit_command(
                *args,
                "--trainer.strategy=ddp",
                "--trainer.num_nodes=2",
                "--trainer.devices=1",
                *dump(tmp_path / "two"),
                launcher=[
                    *(sys.executable, "-m", "torch.distributed.run"),
                    *("--nnodes=2", "--nproc_per_node=1", f"--node_rank={node_rank}"),
                    *("--master_addr=127.0.0.1", f"--master_port={port}"),
                    *("-m", "lightning_gans"),
                ],
            ),
            tmp_path,
        )
        for node_rank in (0, 1)
    ]
    results = [finish(node, timeout=300) for node in nodes]
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]

    one = [torch.load(tmp_path / "one" / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    two = [torch.load(tmp_path / "two" / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert [r["world_size"] for r in two] == [2, 2] and [r["global_step"] for r in two] == [4, 4]
    # the same data and noise per global rank as on one node
    assert [r["first_batch_sum"] for r in two] == [r["first_batch_sum"] for r in one]
    for rank in (0, 1):
        assert torch.equal(two[rank]["first_noise"], one[rank]["first_noise"])
        differing = [
            k for k, v in one[rank]["parameters"].items() if not torch.equal(v, two[rank]["parameters"][k])
        ]
        assert not differing, f"two nodes and one node end with different parameters: {differing[:5]}"
