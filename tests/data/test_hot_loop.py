"""The in-memory loaders do one tensor operation per batch: no per-sample Python in the training loop."""

import torch

from lightning_gans.data.tensor_loader import TensorBatchLoader


class CountingTensor(torch.Tensor):
    """Counts indexing operations on the data set tensor (one per batch expected, never one per sample)."""

    getitem_calls = 0

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func is torch.Tensor.__getitem__:
            cls.getitem_calls += 1
        return super().__torch_function__(func, types, args, kwargs or {})


def test_tensor_loader_indexes_once_per_batch():
    data = torch.randn(100, 1, 4, 4).as_subclass(CountingTensor)
    CountingTensor.getitem_calls = 0
    loader = TensorBatchLoader(data, batch_size=16)
    batches = list(loader)
    assert len(batches) == len(loader) == 6
    assert CountingTensor.getitem_calls == len(batches)
    assert all(b.shape == (16, 1, 4, 4) and b.device == data.device for b in batches)
