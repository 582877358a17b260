"""A data loader for small data sets that live on the training device as one tensor.

No per-sample Python, no worker processes, no host-to-device copies: each batch is one index into a tensor that
already sits on the GPU (or CPU). Shuffling is seeded per epoch, so runs and resumed runs see the same order.
Under DDP each rank takes every ``world_size``-th sample of the shuffled order, like ``DistributedSampler``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch


class TensorBatchLoader:
    """Iterates over shuffled mini-batches of ``data`` (shape ``(N, *shape)``), dropping the last partial batch.

    Args:
        data: the whole data set, already on the training device.
        batch_size: samples per batch (per process under DDP).
        seed: base seed of the per-epoch shuffle.
        rank, world_size: this process's share under DDP.
        epoch: returns the current epoch (the trainer's ``current_epoch``); seeds the shuffle.
    """

    def __init__(
        self,
        data: torch.Tensor,
        batch_size: int,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        epoch: Callable[[], int] = lambda: 0,
    ) -> None:
        per_rank = data.shape[0] // world_size
        if per_rank < batch_size:
            raise ValueError(
                f"batch_size {batch_size} is larger than the {per_rank} samples each process gets; lower batch_size."
            )
        self.data = data
        self.batch_size = batch_size
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.epoch = epoch

    def __len__(self) -> int:
        return (self.data.shape[0] // self.world_size) // self.batch_size

    def __iter__(self) -> Iterator[torch.Tensor]:
        generator = torch.Generator().manual_seed(self.seed + self.epoch())
        order = torch.randperm(self.data.shape[0], generator=generator)[self.rank :: self.world_size]
        order = order[: len(self) * self.batch_size].to(self.data.device)
        yield from (self.data[idx] for idx in order.split(self.batch_size))


class SampledBatchLoader:
    """Yields ``batches_per_epoch`` batches drawn fresh from a sampler ``(n, device) -> (n, *shape)`` tensor."""

    def __init__(self, sampler, batch_size: int, batches_per_epoch: int, device: torch.device) -> None:
        self.sampler = sampler
        self.batch_size = batch_size
        self.batches_per_epoch = batches_per_epoch
        self.device = device

    def __len__(self) -> int:
        return self.batches_per_epoch

    def __iter__(self) -> Iterator[torch.Tensor]:
        for _ in range(self.batches_per_epoch):
            yield self.sampler(self.batch_size, self.device)
