"""FID/KID over torchmetrics agree with torch-fidelity when both read the same local Inception weights file."""

from __future__ import annotations

import pytest
import torch

from lightning_gans.metrics.image import (
    INCEPTION_WEIGHTS_ENV,
    ImageMetrics,
    InceptionFeatures,
    class_histogram_metrics,
    inception_weights_path,
    to_uint8,
)
from tests.metrics.random_inception import random_inception_weights_file


@pytest.fixture(scope="module")
def random_inception_weights():
    return random_inception_weights_file()


def image_sets(n: int = 80, size: int = 32):
    generator = torch.Generator().manual_seed(0)
    real = torch.rand(n, 3, size, size, generator=generator) * 2 - 1
    # smooth the real images a bit so the two sets differ in distribution
    real = torch.nn.functional.avg_pool2d(real, 3, stride=1, padding=1)
    fake = torch.rand(n, 3, size, size, generator=generator) * 0.8 - 0.9  # darker, lower contrast
    return to_uint8(real), to_uint8(fake)


class _Uint8Set(torch.utils.data.Dataset):
    def __init__(self, images):
        self.images = images

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i]


@pytest.mark.parametrize("layer", [64])
def test_fid_kid_agree_with_torch_fidelity(random_inception_weights, layer):
    import torch_fidelity

    real, fake = image_sets()
    n = len(real)
    reference = torch_fidelity.calculate_metrics(
        input1=_Uint8Set(fake),
        input2=_Uint8Set(real),
        cuda=False,
        fid=True,
        kid=True,
        feature_extractor="inception-v3-compat",
        feature_extractor_weights_path=random_inception_weights,
        feature_layer_fid=str(layer),
        feature_layer_kid=str(layer),
        kid_subsets=1,
        # torch-fidelity computes KID in the features' dtype: float64 features, like ours
        feature_extractor_internal_dtype="float64",
        kid_subset_size=n,  # the whole sets: the MMD estimate then does not depend on the random subsets
        batch_size=40,
        verbose=False,
        cache=False,
        save_cpu_ram=True,
    )
    metrics = ImageMetrics(
        "inception",
        ["fid", "kid"],
        inception_weights=random_inception_weights,
        inception_feature_dim=layer,
        kid_subsets=1,
        kid_subset_size=n,
        batch_size=40,
    )
    metrics.update_real(real)
    metrics.update_fake(fake)
    ours = metrics.compute()
    assert reference["frechet_inception_distance"] > 0
    assert ours["fid"] == pytest.approx(reference["frechet_inception_distance"], rel=1e-3)
    assert ours["kid"] == pytest.approx(reference["kernel_inception_distance_mean"], rel=1e-3)


def test_real_statistics_survive_reset(random_inception_weights):
    real, fake = image_sets(40)
    metrics = ImageMetrics(
        "inception", ["fid"], inception_weights=random_inception_weights, inception_feature_dim=64
    )
    metrics.update_real(real)
    metrics.update_fake(fake)
    first = metrics.compute()["fid"]
    metrics.reset()
    assert metrics.num_fake == 0
    metrics.update_fake(fake)
    assert metrics.compute()["fid"] == pytest.approx(first, rel=1e-9)
    metrics.reset()
    metrics.update_fake(real)
    assert metrics.compute()["fid"] == pytest.approx(0.0, abs=1e-6)


def test_weights_from_environment_variable(random_inception_weights, monkeypatch):
    monkeypatch.setenv(INCEPTION_WEIGHTS_ENV, random_inception_weights)
    assert inception_weights_path() == random_inception_weights
    features = InceptionFeatures(feature_dim=64)
    assert features.weights_path == random_inception_weights
    assert "TF1" in features.describe()  # antialias=False by default, the torch-fidelity resize
    monkeypatch.setenv(INCEPTION_WEIGHTS_ENV, "/nonexistent/inception.pth")
    with pytest.raises(FileNotFoundError, match=INCEPTION_WEIGHTS_ENV):
        inception_weights_path()


def test_inception_score_and_grey_images(random_inception_weights):
    metrics = ImageMetrics(
        "inception", ["is"], inception_weights=random_inception_weights, inception_feature_dim=64, is_splits=2
    )
    grey = torch.rand(4, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
    metrics.update_fake(grey)  # grey images are repeated to RGB
    result = metrics.compute()
    assert result["is"] >= 1.0 - 1e-6 and result["is_std"] >= 0  # exp(mean KL) >= 1


def test_class_metrics_need_the_digits_network(random_inception_weights):
    with pytest.raises(ValueError, match="digits network"):
        ImageMetrics("inception", ["class_kl"], inception_weights=random_inception_weights)
    with pytest.raises(ValueError, match="unknown image metrics"):
        ImageMetrics("digits", ["fidd"])


def test_class_histogram_metrics():
    uniform = class_histogram_metrics(torch.full((10,), 25))
    assert uniform == {"classes": 10, "class_kl": pytest.approx(0.0, abs=1e-12)}
    one_class = class_histogram_metrics(torch.tensor([100] + [0] * 9))
    assert one_class["classes"] == 1 and one_class["class_kl"] == pytest.approx(
        torch.log(torch.tensor(10.0)).item()
    )
    two = class_histogram_metrics(torch.tensor([50, 50] + [0] * 8))
    assert two["classes"] == 2 and two["class_kl"] == pytest.approx(torch.log(torch.tensor(5.0)).item())
