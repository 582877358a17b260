"""A tiny in-memory data module with the translation batch contract, shared by the model, checkpoint and
``translate`` tests."""

from __future__ import annotations

import torch
from lightning.pytorch import LightningDataModule
from torch.utils.data import DataLoader, Dataset


class _Pairs(Dataset):
    def __init__(self, a: torch.Tensor, b: torch.Tensor, labels: torch.Tensor | None) -> None:
        self.a, self.b, self.labels = a, b, labels

    def __len__(self) -> int:
        return len(self.a)

    def __getitem__(self, i: int) -> dict:
        item = {"A": self.a[i], "B": self.b[i]}
        return item if self.labels is None else item | {"A_label": self.labels[i]}


class TinyTranslationData(LightningDataModule):
    """``n`` fixed 16x16 (A, B) pairs in [-1, 1], unshuffled: ``n / batch_size`` batches per epoch."""

    image_size = 16

    def __init__(self, channels_a=1, channels_b=3, n=4, batch_size=2, labels=False) -> None:
        super().__init__()
        self.channels_a, self.channels_b, self.batch_size = channels_a, channels_b, batch_size
        g = torch.Generator().manual_seed(0)
        self.a = torch.rand(n, channels_a, 16, 16, generator=g) * 2 - 1
        self.b = torch.rand(n, channels_b, 16, 16, generator=g) * 2 - 1
        self.labels = torch.arange(n) % 2 if labels else None

    def train_dataloader(self):
        # its own generator: a DataLoader draws a base seed at every new iterator, from the global RNG unless
        # given one, and a resumed run starts its iterators at other points of the global stream
        return DataLoader(
            _Pairs(self.a, self.b, self.labels),
            batch_size=self.batch_size,
            shuffle=False,
            generator=torch.Generator().manual_seed(0),
        )

    def val_dataloader(self):
        return DataLoader(_Pairs(self.a, self.b, None), batch_size=self.batch_size)
