"""The translation family's parts: the image pool's semantics, the cycle / identity / LSGAN / semantic terms on
hand-made tensors, and the linear-decay learning-rate schedule's shape."""

from __future__ import annotations

import io

import pytest
import torch
from torch import nn

from lightning_gans import losses
from lightning_gans.engine import LinearDecayLR
from lightning_gans.errors import ConfigError
from lightning_gans.modules.translation import ImagePool


def images(n: int, start: float = 0.0) -> torch.Tensor:
    """``(n, 1, 2, 2)`` images whose pixels all equal their index (+ start): each one recognisable."""
    return (torch.arange(n, dtype=torch.float32) + start).view(n, 1, 1, 1).expand(n, 1, 2, 2).clone()


def ids(batch: torch.Tensor) -> list[int]:
    return [int(v) for v in batch[:, 0, 0, 0]]


def test_pool_returns_the_inputs_while_it_fills():
    pool = ImagePool(5)
    assert ids(pool.query(images(3))) == [0, 1, 2]
    assert ids(pool.query(images(2, start=3))) == [3, 4]
    assert len(pool) == 5
    assert sorted(ids(pool.images)) == [0, 1, 2, 3, 4]


def test_full_pool_returns_about_half_from_the_store_and_replaces_them():
    torch.manual_seed(0)
    pool = ImagePool(50)
    pool.query(images(50))  # full: ids 0..49
    from_store = 0
    for step in range(200):  # one image per query: each swap is visible
        new = 1000 + step
        before = ids(pool.images)
        [got] = ids(pool.query(images(1, start=new)))
        after = ids(pool.images)
        if got == new:
            assert after == before  # returned as is, not stored
        else:
            from_store += 1
            slot = before.index(got)  # a stored image, and the new one took its place
            assert after == before[:slot] + [new] + before[slot + 1 :]
    assert 70 <= from_store <= 130  # 200 draws at p = 0.5
    # a batch goes image by image through the same rule
    out = pool.query(images(10, start=5000))
    assert len(pool) == 50 and out.shape == (10, 1, 2, 2)


def test_pool_draws_from_the_global_generator():
    def run() -> list[int]:
        torch.manual_seed(1)
        pool = ImagePool(4)
        pool.query(images(4))
        return [i for step in range(5) for i in ids(pool.query(images(3, start=100 + 3 * step)))]

    assert run() == run()


def test_pool_size_zero_is_no_pool():
    pool = ImagePool(0)
    batch = images(4)
    assert torch.equal(pool.query(batch), batch)
    assert len(pool) == 0
    with pytest.raises(ValueError):
        ImagePool(-1)


def test_pool_output_is_detached_and_the_store_is_not_aliased():
    pool = ImagePool(2)
    fake = images(2).requires_grad_(True)
    out = pool.query(fake)
    assert not out.requires_grad
    out.zero_()
    assert ids(pool.images) == [0, 1]


def test_pool_state_round_trip_is_weights_only_loadable():
    torch.manual_seed(0)
    pool = ImagePool(3)
    pool.query(images(2))
    buffer = io.BytesIO()
    torch.save(pool.state_dict(), buffer)
    buffer.seek(0)
    restored = ImagePool(3)
    restored.load_state_dict(torch.load(buffer, weights_only=True))
    assert len(restored) == 2 and ids(restored.images[:2]) == [0, 1]
    torch.manual_seed(5)
    a = pool.query(images(4, start=10))
    torch.manual_seed(5)
    b = restored.query(images(4, start=10))
    assert torch.equal(a, b) and torch.equal(pool.images, restored.images)


def test_cycle_and_identity_losses_are_l1_means():
    x = torch.tensor([[[[1.0, -2.0], [3.0, -4.0]]]])
    assert losses.cycle_loss(x, torch.zeros_like(x)).item() == 2.5
    assert losses.identity_loss(x, x + 0.5).item() == 0.5
    assert losses.cycle_loss(x, x).item() == 0.0


def test_lsgan_losses():
    ones, zeros = torch.ones(2, 1, 3, 3), torch.zeros(2, 1, 3, 3)
    assert losses.lsgan_discriminator_loss(ones, zeros).item() == 0.0
    assert losses.lsgan_discriminator_loss(zeros, ones).item() == 2.0
    assert losses.lsgan_generator_loss(torch.tensor([0.0, 2.0, 1.0, 1.0])).item() == 0.5


def test_semantic_consistency_uses_the_classifiers_prediction_or_the_labels():
    classifier = nn.Flatten()  # logits = the pixels: class = the brightest pixel
    source = torch.tensor([[[[0.0, 5.0]]]])  # predicted class 1
    translated = torch.tensor([[[[0.0, 0.0]]]])  # uniform logits over 2 classes
    expected = torch.log(torch.tensor(2.0))
    assert losses.semantic_consistency_loss(classifier, translated, source).item() == pytest.approx(expected)
    confident = torch.tensor([[[[10.0, 0.0]]]])
    with_pred = losses.semantic_consistency_loss(classifier, confident, source)
    with_label = losses.semantic_consistency_loss(classifier, confident, source, torch.tensor([0]))
    assert with_pred.item() == pytest.approx(10.0, abs=1e-3) and with_label.item() < 1e-3


def test_linear_decay_is_constant_then_linear_to_zero():
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=2.0)
    scheduler = LinearDecayLR(optimizer, n_steps=3, n_steps_decay=4)
    lrs = []
    for _ in range(9):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert lrs == pytest.approx([2.0, 2.0, 2.0, 2.0, 1.5, 1.0, 0.5, 0.0, 0.0])
    assert scheduler.end_step == 7


def test_linear_decay_state_resumes():
    def make():
        optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
        return optimizer, LinearDecayLR(optimizer, n_steps=2, n_steps_decay=2)

    optimizer, scheduler = make()
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    buffer = io.BytesIO()
    torch.save(scheduler.state_dict(), buffer)
    buffer.seek(0)
    optimizer2, scheduler2 = make()
    scheduler2.load_state_dict(torch.load(buffer, weights_only=True))
    optimizer.step(), optimizer2.step()
    scheduler.step(), scheduler2.step()
    assert scheduler.get_last_lr() == scheduler2.get_last_lr() == [0.0]


def test_linear_decay_refuses_bad_lengths():
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    with pytest.raises(ConfigError, match="n_steps_decay"):
        LinearDecayLR(optimizer, n_steps=1, n_steps_decay=0)
