"""Translation learns: pix2pix cleans MNIST-M-style digits (the benchmark's paired task, much shorter).

The full benchmark (docs/BENCHMARKS.md, "Image translation") trains 3,000 steps. 400 steps here, at width 16, put
the cleaned test digits (pairs the model never saw) far closer to the true clean digits than the untranslated photo
digits are: L1 0.20 against 0.74 at seed 0, measured once; the bar is half of the latter.
"""

from __future__ import annotations

import pytest
import torch
from lightning.pytorch import seed_everything

from lightning_gans import Pix2Pix
from lightning_gans.data.translation.domains import DigitDomainsDataModule, load_domain
from tests.modules.test_translation import fit


@pytest.mark.slow  # 400 pix2pix steps at 32x32, width 16: about 35 s of one core
def test_pix2pix_cleans_photo_digits_on_unseen_pairs(tmp_path):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        seed_everything(0, verbose=False)
        data = DigitDomainsDataModule(source="mnistm", target="mnist5k", paired=True, batch_size=16, seed=0)
        model = Pix2Pix(
            channels_a=data.channels_a,
            channels_b=data.channels_b,
            image_size=32,
            generator_width=16,
            discriminator_width=16,
        )
        fit(model, data, steps=400, root=tmp_path)
        photo, labels = load_domain("mnistm", "test")
        clean, clean_labels = load_domain("mnist5k", "test")
        assert torch.equal(labels, clean_labels)  # the pairs: the same digit in both domains
        photo, clean = photo[:300], clean[:300]
        with torch.no_grad():
            cleaned = model.eval().translate(photo, "a2b")
        assert cleaned.shape == clean.shape
        l1_cleaned = (cleaned - clean).abs().mean().item()
        l1_photo_grey = (photo.mean(1, keepdim=True) - clean).abs().mean().item()  # no translation at all
        assert l1_cleaned < 0.5 * l1_photo_grey, (l1_cleaned, l1_photo_grey)
    finally:
        torch.set_num_threads(threads)
