"""A data loader for small data sets that live on the training device as one tensor.

No per-sample Python, no worker processes, no host-to-device copies: each batch is one index into a tensor that
already sits on the GPU (or CPU). Shuffling is seeded per epoch, so runs and resumed runs see the same order.
Under DDP each rank takes every ``world_size``-th sample of the shuffled order, like ``DistributedSampler``.

Both loaders are *stateful* in Lightning's sense (``state_dict``/``load_state_dict``): a checkpoint written in the
middle of an epoch records how many batches training consumed, and a resumed run skips exactly those, so
``--ckpt_path last`` continues with the batch the interrupted run would have trained on next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from lightning_gans.errors import ConfigError


@dataclass(frozen=True)
class TrainerPlacement:
    """Where a device-resident loader runs under a trainer: its device, this process's rank and world size,
    and the epoch that seeds the shuffle (CPU, rank 0 of 1, epoch 0 without a trainer)."""

    device: torch.device
    rank: int
    world_size: int
    epoch: Callable[[], int]

    @classmethod
    def of(cls, trainer) -> TrainerPlacement:
        if trainer is None:
            return cls(torch.device("cpu"), 0, 1, lambda: 0)
        return cls(
            trainer.strategy.root_device,
            trainer.global_rank,
            trainer.world_size,
            lambda: trainer.current_epoch,
        )


class _ResumableEpoch:
    """Counts the batches of the current epoch and skips those a loaded state says were consumed.

    Lightning does not fetch ahead from a loader that has a length (both loaders here have one), so the
    batches yielded when a checkpoint is written are exactly the batches trained on.
    """

    def __init__(self, epoch: Callable[[], int]) -> None:
        self.epoch = epoch
        self._yielded = 0
        self._iter_epoch = 0
        self._resume: dict | None = None

    def _start(self) -> int:
        """Called when an iteration begins: returns the number of batches to skip."""
        self._iter_epoch = self.epoch()
        skip = 0
        if self._resume is not None and self._resume["epoch"] == self._iter_epoch:
            skip = self._resume["consumed"]
        self._resume = None
        self._yielded = skip
        return skip

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self._iter_epoch, "consumed": self._yielded}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self._resume = {"epoch": int(state["epoch"]), "consumed": int(state["consumed"])}


def check_batch_fits(samples: int, batch_size: int, world_size: int = 1) -> None:
    """A ConfigError when ``batch_size`` is more than the ``samples // world_size`` each process gets (data
    modules call it in ``setup``, before anything is written)."""
    per_rank = samples // world_size
    if per_rank < batch_size:
        raise ConfigError(
            f"batch_size {batch_size} is larger than the {per_rank} samples each process gets: set "
            f"--data.batch_size {max(per_rank, 1)} or lower."
        )


class TensorBatchLoader(_ResumableEpoch):
    """Iterates over shuffled mini-batches of ``data`` (shape ``(N, *shape)``), dropping the last partial batch.

    Yields ``(batch_size, *shape)`` tensors, or ``(samples, labels)`` pairs when ``labels`` are given.

    Args:
        data: the whole data set, already on the training device.
        labels: ``(N,)`` labels on the same device, or None.
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
        labels: torch.Tensor | None = None,
    ) -> None:
        check_batch_fits(data.shape[0], batch_size, world_size)
        self.data = data
        self.labels = labels
        self.batch_size = batch_size
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        super().__init__(epoch)

    @classmethod
    def for_trainer(
        cls, data: torch.Tensor, labels: torch.Tensor | None, batch_size: int, seed: int, trainer
    ) -> TensorBatchLoader:
        """The loader of a data module's training split under ``trainer`` (or None): data on its device, this
        process's rank and world size, the shuffle seeded by its current epoch."""
        place = TrainerPlacement.of(trainer)
        return cls(
            data.to(place.device),
            batch_size,
            seed=seed,
            rank=place.rank,
            world_size=place.world_size,
            epoch=place.epoch,
            labels=labels.to(place.device) if labels is not None else None,
        )

    def __len__(self) -> int:
        return (self.data.shape[0] // self.world_size) // self.batch_size

    def __iter__(self) -> Iterator[torch.Tensor | tuple[torch.Tensor, torch.Tensor]]:
        skip = self._start()
        generator = torch.Generator().manual_seed(self.seed + self._iter_epoch)
        order = torch.randperm(self.data.shape[0], generator=generator)[self.rank :: self.world_size]
        order = order[skip * self.batch_size : len(self) * self.batch_size].to(self.data.device)
        for idx in order.split(self.batch_size):
            self._yielded += 1
            yield self.data[idx] if self.labels is None else (self.data[idx], self.labels[idx])


class SampledBatchLoader(_ResumableEpoch):
    """Yields ``batches_per_epoch`` batches drawn fresh from ``sampler(n, device, generator) -> (n, *shape)``.

    Each batch has its own random generator seeded by ``(seed, epoch, rank, batch index)``: the data do not
    draw from the global RNG (whose state the training noise uses), a batch can be skipped without drawing it,
    and DDP ranks see different samples.
    """

    def __init__(
        self,
        sampler: Callable[[int, torch.device, torch.Generator], torch.Tensor],
        batch_size: int,
        batches_per_epoch: int,
        device: torch.device,
        seed: int = 0,
        rank: int = 0,
        epoch: Callable[[], int] = lambda: 0,
    ) -> None:
        self.sampler = sampler
        self.batch_size = batch_size
        self.batches_per_epoch = batches_per_epoch
        self.device = torch.device(device)
        self.seed = seed
        self.rank = rank
        super().__init__(epoch)

    def __len__(self) -> int:
        return self.batches_per_epoch

    def batch_generator(self, epoch: int, index: int) -> torch.Generator:
        """The generator of batch ``index`` of ``epoch`` on this rank."""
        seed = int(
            np.random.SeedSequence([self.seed, epoch, self.rank, index]).generate_state(1, np.uint64)[0]
        )
        return torch.Generator(device=self.device).manual_seed(seed)

    def __iter__(self) -> Iterator[torch.Tensor]:
        skip = self._start()
        for index in range(skip, self.batches_per_epoch):
            self._yielded += 1
            yield self.sampler(self.batch_size, self.device, self.batch_generator(self._iter_epoch, index))
