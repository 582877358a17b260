"""Clustering scores against labels used only for evaluation: Hungarian accuracy, NMI and ARI.

A cluster's index means nothing (InfoGAN's category 3 may hold the sevens), so accuracy first matches clusters
to classes one-to-one to maximise the agreement (Hungarian algorithm on the contingency table,
``scipy.optimize.linear_sum_assignment``). NMI (arithmetic averaging, scikit-learn's default) and ARI need no
matching.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.metrics.cluster import contingency_matrix


def _numpy(a) -> np.ndarray:
    return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)


def cluster_to_class(labels, clusters) -> dict[int, int]:
    """The one-to-one cluster -> class map that maximises agreement (clusters left over when there are more
    clusters than classes map to nothing and count as errors).

    Args:
        labels: ``(N,)`` true classes.
        clusters: ``(N,)`` cluster indices.
    """
    labels, clusters = _numpy(labels), _numpy(clusters)
    classes, cluster_ids = np.unique(labels), np.unique(clusters)
    table = contingency_matrix(labels, clusters)  # (classes, clusters) counts
    rows, cols = linear_sum_assignment(table, maximize=True)
    return {int(cluster_ids[c]): int(classes[r]) for r, c in zip(rows, cols, strict=True)}


def hungarian_accuracy(labels, clusters) -> float:
    """Fraction of samples whose cluster maps to their class under ``cluster_to_class``."""
    labels, clusters = _numpy(labels), _numpy(clusters)
    mapping = cluster_to_class(labels, clusters)
    predicted = np.array([mapping.get(int(c), -1) for c in clusters])
    return float((predicted == labels).mean())


def clustering_scores(labels, clusters) -> dict[str, float]:
    """``{"acc", "nmi", "ari"}`` of ``(N,)`` cluster indices against ``(N,)`` true classes."""
    labels, clusters = _numpy(labels), _numpy(clusters)
    return {
        "acc": hungarian_accuracy(labels, clusters),
        "nmi": float(normalized_mutual_info_score(labels, clusters)),
        "ari": float(adjusted_rand_score(labels, clusters)),
    }
