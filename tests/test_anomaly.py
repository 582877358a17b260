"""The anomaly scores, thresholds and metrics of ``lightning_gans.anomaly`` on hand-made tensors."""

import numpy as np
import pytest
import torch

from lightning_gans import anomaly
from lightning_gans.errors import ConfigError


def test_izif_score_by_hand():
    x = torch.tensor([[[1.0, 2.0], [3.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]]])  # (2, 2, 2)
    x_rec = torch.tensor([[[1.0, 2.0], [3.0, 2.0]], [[1.0, 1.0], [1.0, 1.0]]])
    f_x = torch.tensor([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    f_rec = torch.tensor([[3.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    # sample 0: pixels (0 + 0 + 0 + 4) / 4 = 1, features 9 / 3 = 3; sample 1: pixels 4 / 4 = 1, features 0
    torch.testing.assert_close(anomaly.izif_score(x, x_rec, f_x, f_rec), torch.tensor([4.0, 1.0]))
    torch.testing.assert_close(anomaly.izif_score(x, x_rec, f_x, f_rec, kappa=0.5), torch.tensor([2.5, 1.0]))


def test_bigan_score_by_hand():
    x, x_rec = torch.tensor([[1.0, -1.0]]), torch.tensor([[0.0, 1.0]])  # L1 = 3
    f_x, f_rec = torch.tensor([[2.0, 0.0]]), torch.tensor([[0.0, 0.0]])  # L1 = 2
    torch.testing.assert_close(anomaly.bigan_score(x, x_rec, f_x, f_rec, weight=0.1), torch.tensor([2.9]))


def test_discriminator_score_is_low_for_what_d_calls_real():
    assert anomaly.discriminator_score(torch.tensor([3.0, -2.0])).tolist() == [-3.0, 2.0]


def test_knn_score_by_hand_and_in_chunks():
    reference = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    queries = torch.tensor([[0.0, 0.0], [6.0, 8.0]])
    # query 0: distances 0, 3, 4 -> mean of 2 nearest 1.5; query 1: 10, sqrt(9 + 64), sqrt(36 + 16)
    expected = torch.tensor([1.5, (52**0.5 + 73**0.5) / 2], dtype=torch.float64)
    torch.testing.assert_close(anomaly.knn_score(reference, queries, k=2), expected)
    assert anomaly.knn_score(reference, queries, k=99)[0].item() == pytest.approx(7 / 3)  # k clipped to M
    rng = np.random.default_rng(0)
    train, test = rng.normal(size=(60, 5)), rng.normal(size=(20, 5))
    # pyod's KNN(n_neighbors=5, method="mean"), brute force
    distances = np.sqrt(((test[:, None] - train[None]) ** 2).sum(-1))
    expected = torch.from_numpy(np.sort(distances, 1)[:, :5].mean(1))
    scores = anomaly.knn_score(torch.from_numpy(train), torch.from_numpy(test), k=5, chunk=7)
    torch.testing.assert_close(scores, expected)


def test_critic_knn_score_is_knn_on_the_discriminators_features():
    from lightning_gans.nets.mlp import MLPDiscriminator

    torch.manual_seed(0)
    critic = MLPDiscriminator(data_shape=(6,), hidden_dims=(8, 4)).train()
    train, x = torch.randn(30, 6), torch.randn(10, 6)
    with torch.no_grad():
        expected = anomaly.knn_score(critic.features(train), critic.features(x), k=5)
    torch.testing.assert_close(anomaly.critic_knn_score(critic, train, x), expected)
    assert critic.training  # the mode it came in with
    with pytest.raises(ConfigError, match="normal training samples"):
        anomaly.knn_score(torch.zeros(0, 4), torch.zeros(3, 4))


def test_threshold_is_the_quantile_of_normal_scores():
    scores = torch.arange(101, dtype=torch.float)  # 0 .. 100
    assert anomaly.threshold_from_normal(scores, 0.9).item() == pytest.approx(90.0)
    with pytest.raises(ConfigError):
        anomaly.threshold_from_normal(scores, 1.0)


def test_metrics_perfect_inverted_and_f1_at_threshold():
    labels = torch.tensor([0, 0, 0, 1, 1])
    scores = torch.tensor([0.1, 0.2, 0.3, 0.8, 0.9])
    perfect = anomaly.detection_metrics(scores, labels, threshold=0.5)
    assert perfect["auroc"] == 1.0 and perfect["auprc"] == 1.0 and perfect["f1"] == 1.0
    inverted = anomaly.detection_metrics(-scores, labels)
    assert inverted["auroc"] == 0.0 and "f1" not in inverted
    # threshold 0.25 flags 0.3 as well: precision 2/3, recall 1 -> F1 0.8
    assert anomaly.detection_metrics(scores, labels, threshold=0.25)["f1"].item() == pytest.approx(0.8)


def test_metrics_do_not_saturate_on_large_scores():
    # torchmetrics would read scores outside [0, 1] as logits; sigmoid(100) == sigmoid(300) in float32
    labels = torch.tensor([0, 0, 1, 1])
    scores = torch.tensor([100.0, 150.0, 200.0, 300.0])
    metrics = anomaly.detection_metrics(scores, labels, threshold=175.0)
    assert metrics["auroc"] == 1.0 and metrics["auprc"] == 1.0 and metrics["f1"] == 1.0
    assert anomaly.detection_metrics(torch.tensor([5.0, 5.0, 5.0, 5.0]), labels)["auroc"] == 0.5  # ties


def test_flag_without_threshold_says_how_to_set_one():
    with pytest.raises(ConfigError, match="--threshold"):
        anomaly.flag(torch.zeros(2), torch.tensor(float("nan")))
