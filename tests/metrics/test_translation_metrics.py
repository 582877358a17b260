"""Translation metrics: FID / class preserved / L1 on fixed test pairs, and the ``Evaluation`` callback that logs
them for CycleGAN and pix2pix on the embedded digit domains."""

from __future__ import annotations

import pytest
import torch
from lightning.pytorch import seed_everything

from lightning_gans import CycleGAN, Evaluation, Pix2Pix
from lightning_gans.data.translation.domains import DigitDomainsDataModule, load_domain
from lightning_gans.metrics.translation import TranslationMetrics, collect_pairs
from tests.modules.test_translation import fit


class Copy:
    """A "translator" that returns its input (A and B have the same shape here): a hand-checkable model."""

    directions = ("a2b", "b2a")

    def translate(self, x: torch.Tensor, direction: str = "a2b") -> torch.Tensor:
        return x.clone()


def test_collect_pairs_keeps_the_first_items_in_order():
    batches = [
        {"A": torch.full((3, 1, 2, 2), float(i)), "B": torch.zeros(3, 1, 2, 2), "A_label": torch.arange(3)}
        for i in range(4)
    ]
    pairs = collect_pairs(batches, limit=7)
    assert pairs["A"].shape == (7, 1, 2, 2) and pairs["A_label"].tolist() == [0, 1, 2, 0, 1, 2, 0]
    assert pairs["A"][:, 0, 0, 0].tolist() == [0, 0, 0, 1, 1, 1, 2]
    with pytest.raises(ValueError, match="test split is empty"):
        collect_pairs([], limit=3)


def test_metrics_of_a_copying_model_on_real_digits():
    """Copying MNIST-5k test digits "to" MNIST-5k: FID ~ 0 against themselves, the MNIST-5k network reads nearly
    all of them as their own class (the scikit-learn digits' network would read 47%: each domain needs its own),
    L1 to themselves 0; against other real digits as B, the L1 is large."""
    images, labels = load_domain("mnist5k", "test")
    images, labels = images[:300], labels[:300]
    metrics = TranslationMetrics({"a2b": "mnist5k", "b2a": "mnist5k"})
    same = metrics.evaluate(Copy(), {"A": images, "B": images, "A_label": labels}, paired=True)
    assert set(same) == {"fid_a2b", "fid_b2a", "class_preserved_a2b", "l1_a2b"}
    assert abs(same["fid_a2b"]) < 1e-3 and same["l1_a2b"] == 0.0
    assert same["class_preserved_a2b"] > 0.9
    shuffled = images[torch.randperm(300, generator=torch.Generator().manual_seed(0))]
    other = TranslationMetrics("mnist5k").evaluate(Copy(), {"A": images, "B": shuffled}, paired=True)
    assert "class_preserved_a2b" not in other  # no labels given
    assert other["l1_a2b"] > 0.2


@pytest.mark.parametrize("family", ["cyclegan", "pix2pix"])
def test_evaluation_callback_logs_translation_metrics(tmp_path, family):
    seed_everything(0)
    paired = family == "pix2pix"
    data = DigitDomainsDataModule(
        source="mnistm" if paired else "mnist5k",
        target="mnist5k" if paired else "digits",
        paired=paired,
        batch_size=8,
    )
    nets = dict(image_size=32, generator_width=4, discriminator_width=4, discriminator_layers=2)
    if paired:
        model = Pix2Pix(channels_a=data.channels_a, channels_b=data.channels_b, **nets)
    else:
        model = CycleGAN(channels_a=data.channels_a, channels_b=data.channels_b, n_blocks=1, **nets)
    evaluation = Evaluation(every_n_steps=0, num_real=64)
    fit(model, data, callbacks=[evaluation], root=tmp_path)
    last = evaluation.last
    expected = (
        {"fid_a2b", "l1_a2b", "class_preserved_a2b"}
        if paired
        else {"fid_a2b", "fid_b2a", "class_preserved_a2b"}
    )
    assert set(last) == expected
    assert all(torch.isfinite(torch.tensor(v)) for v in last.values())
    assert 0 <= last["class_preserved_a2b"] <= 1
