"""Clustering scores: Hungarian accuracy on hand-made confusions, NMI/ARI from scikit-learn."""

import pytest
import torch

from lightning_gans.metrics import cluster_to_class, clustering_scores, hungarian_accuracy


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
