"""Clustering scores: Hungarian accuracy on hand-made confusions, NMI/ARI from scikit-learn."""

import pytest
import torch

from lightning_gans.metrics import (
    best_restart,
    cluster_to_class,
    clustering_scores,
    cycle_consistency,
    hungarian_accuracy,
    purity,
    select_restart,
)


def test_permuted_labels_score_one():
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3])
    clusters = torch.tensor([2, 2, 0, 0, 3, 3, 1])  # the same partition, other names
    assert cluster_to_class(labels, clusters) == {2: 0, 0: 1, 3: 2, 1: 3}
    assert clustering_scores(labels, clusters) == pytest.approx({"acc": 1.0, "nmi": 1.0, "ari": 1.0})


def test_hand_made_confusion():
    # class 0: 3 in cluster 1, 1 in cluster 0; class 1: 2 in cluster 0, 2 in cluster 1; class 2: 4 in cluster 2.
    # Best one-to-one matching: cluster 1 -> class 0 (3), 0 -> 1 (2), 2 -> 2 (4): 9 of 12.
    labels = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    clusters = torch.tensor([1, 1, 1, 0, 0, 0, 1, 1, 2, 2, 2, 2])
    assert cluster_to_class(labels, clusters) == {1: 0, 0: 1, 2: 2}
    assert hungarian_accuracy(labels, clusters) == pytest.approx(9 / 12)


def test_one_to_one_matching_differs_from_majority_vote():
    # clusters 0 and 1 both hold mostly class 0: majority vote would give 4/6, one-to-one matching 3/6
    labels = torch.tensor([0, 0, 0, 0, 1, 1])
    clusters = torch.tensor([0, 0, 1, 1, 0, 1])
    assert hungarian_accuracy(labels, clusters) == pytest.approx(3 / 6)


def test_more_clusters_than_classes_count_the_leftovers_as_errors():
    labels = torch.tensor([0, 0, 1, 1])
    clusters = torch.tensor([0, 1, 2, 2])
    assert hungarian_accuracy(labels, clusters) == pytest.approx(3 / 4)


def test_one_cluster_is_chance_level():
    labels = torch.arange(10).repeat(5)
    scores = clustering_scores(labels, torch.zeros(50, dtype=torch.long))
    assert scores["acc"] == pytest.approx(0.1)
    assert scores["nmi"] == pytest.approx(0.0) and scores["ari"] == pytest.approx(0.0)


def test_purity_takes_each_clusters_majority_class_without_matching():
    labels = torch.tensor([0, 0, 1, 1, 1, 2])
    # cluster 0: classes (0, 0, 1) -> 2; cluster 1: (1, 1, 2) -> 2; 4 of 6
    assert purity(labels, torch.tensor([0, 0, 0, 1, 1, 1])) == pytest.approx(4 / 6)
    # one cluster per sample: purity 1, the reason it is never reported alone
    assert purity(labels, torch.arange(6)) == 1.0


class SignModel:
    """A hand-made encoder model on (N, 2) rows: the cluster is the sign of the first value, the reconstruction
    keeps the first value and sets the second to ``second``."""

    num_clusters = 2

    def __init__(self, second: float) -> None:
        self.second = second

    def encode(self, x):
        return x[:, :1]

    def reconstruct(self, x):
        return torch.cat([x[:, :1], torch.full_like(x[:, 1:], self.second)], 1)

    def predict_cluster(self, x, code=0, batch_size=512):
        return (x[:, 0] > 0).long()


def test_cycle_consistency_and_the_restart_it_selects():
    x = torch.tensor([[1.0, 0.0], [-1.0, 2.0], [2.0, 0.0], [-3.0, 2.0]])
    # second value rebuilt as 1: squared errors (0 + 1) / 2, (0 + 1) / 2 per row -> 0.5
    scores = cycle_consistency(SignModel(1.0), x, batch_size=3)
    assert scores["reconstruction_mse"] == pytest.approx(0.5)
    assert scores["cluster_agreement"] == 1.0  # the first value, hence the cluster, survives the cycle
    assert scores["cluster_balance"] == pytest.approx(1.0)  # two clusters of 2
    best, all_scores = select_restart([SignModel(1.0), SignModel(0.0), SignModel(3.0)], x)
    # second value 0: errors (0, 4, 0, 4) / 2 -> mean 1; 3: (9, 1, 9, 1) / 2 -> mean 2.5
    assert [s["reconstruction_mse"] for s in all_scores] == pytest.approx([0.5, 1.0, 2.5])
    assert best == 0 == best_restart(all_scores)
    assert best_restart([{"reconstruction_mse": 2.0}, {"reconstruction_mse": 0.1}]) == 1
    with pytest.raises(ValueError, match="at least one"):
        select_restart([], x)
    with pytest.raises(TypeError, match="encoder"):
        cycle_consistency(object(), x)
