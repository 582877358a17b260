"""Clustering scores against labels used only for evaluation: Hungarian accuracy, NMI, ARI and purity; and a
label-free criterion to choose among restarts (``cycle_consistency``, ``select_restart``).

A cluster's index means nothing (InfoGAN's category 3 may hold the sevens), so accuracy first matches clusters
to classes one-to-one to maximise the agreement (Hungarian algorithm on the contingency table,
``scipy.optimize.linear_sum_assignment``). NMI (arithmetic averaging, scikit-learn's default) and ARI need no
matching. Purity (each cluster's majority class, no one-to-one matching) is the "ACC" of ClusterGAN's published
tables: compare with it, not with Hungarian accuracy; it rewards many small clusters, so it is reported beside
accuracy, never instead of it.

Choosing among restarts without labels: runs of the same clustering GAN differ mostly by which data modes the
generator covers (docs/DESIGN.md, "InfoGAN and clustering": digits never generated cannot get a cluster of their
own). An encoder that inverts a generator which covers the data reconstructs real data well, so
``cycle_consistency`` measures, on unlabelled real data, ``x -> E(x) -> G(E(x))``: its mean squared error (lower is
better: the criterion ``select_restart`` uses) and, for models that also cluster, the share of samples whose
cluster survives the cycle and the balance of the clusters (diagnostics).
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


def purity(labels, clusters) -> float:
    """Fraction of samples whose class is the majority class of their cluster (no one-to-one matching)."""
    labels, clusters = _numpy(labels), _numpy(clusters)
    if len(labels) == 0:
        return float("nan")
    return float(contingency_matrix(labels, clusters).max(axis=0).sum() / len(labels))


def clustering_scores(labels, clusters) -> dict[str, float]:
    """``{"acc", "nmi", "ari"}`` of ``(N,)`` cluster indices against ``(N,)`` true classes."""
    labels, clusters = _numpy(labels), _numpy(clusters)
    return {
        "acc": hungarian_accuracy(labels, clusters),
        "nmi": float(normalized_mutual_info_score(labels, clusters)),
        "ari": float(adjusted_rand_score(labels, clusters)),
    }


@torch.no_grad()
def cycle_consistency(model, x: torch.Tensor, batch_size: int = 512) -> dict[str, float]:
    """How well a model's encoder and generator close the cycle ``x -> E(x) -> G(E(x))`` on real data, without
    labels: a criterion to choose among restarts (``select_restart``).

    Args:
        model: an encoder model (``capabilities.Encodes``: ClusterGAN, BiGAN, ``IZIfEncoder``).
        x: ``(N, *data_shape)`` unlabelled real samples, scaled like the training data (a held-out split if
            there is one).
        batch_size: samples per forward pass.

    Returns:
        ``reconstruction_mse``: mean over samples and entries of ``(x - G(E(x)))^2`` (lower is better: the
        generator covers the data and the encoder finds it); for models that also cluster
        (``capabilities.Clusters``): ``cluster_agreement``, the share of samples with
        ``cluster(G(E(x))) == cluster(x)``, and ``cluster_balance``, the entropy of the cluster shares over
        ``log K`` (1: equal clusters, 0: one cluster).
    """
    from lightning_gans.capabilities import Clusters, Encodes

    if not isinstance(model, Encodes):
        raise TypeError(f"cycle_consistency needs a model with an encoder, got a {type(model).__name__}")
    squared, agree, clusters = 0.0, 0, []
    for chunk in x.split(batch_size):
        rebuilt = model.reconstruct(chunk).cpu()
        squared += float(((chunk.cpu() - rebuilt) ** 2).flatten(1).mean(1).sum())
        if isinstance(model, Clusters):
            found = model.predict_cluster(chunk).cpu()
            agree += int((model.predict_cluster(rebuilt).cpu() == found).sum())
            clusters.append(found)
    scores = {"reconstruction_mse": squared / max(len(x), 1)}
    if clusters:
        found = torch.cat(clusters)
        k = getattr(model, "num_clusters", None) or int(found.max()) + 1
        shares = torch.bincount(found, minlength=k).double() / len(found)
        entropy = -(shares[shares > 0] * shares[shares > 0].log()).sum()
        scores["cluster_agreement"] = agree / len(found)
        scores["cluster_balance"] = float(entropy / np.log(k)) if k > 1 else 1.0
    return scores


def select_restart(models, x: torch.Tensor, batch_size: int = 512) -> tuple[int, list[dict[str, float]]]:
    """The index of the restart with the lowest ``reconstruction_mse`` on ``x`` (``cycle_consistency``), and
    every restart's scores. Uses no labels: ``x`` is unlabelled real data.

    Args:
        models: the restarts (trained models with an encoder), e.g. the same config under several seeds.
        x: ``(N, *data_shape)`` unlabelled real samples.
    """
    scores = [cycle_consistency(m, x, batch_size) for m in models]
    return best_restart(scores), scores


def best_restart(scores: list[dict[str, float]]) -> int:
    """The index of the lowest ``reconstruction_mse`` among restarts' ``cycle_consistency`` scores: the criterion
    of ``select_restart``, for scores computed elsewhere (e.g. one process per restart, as the clustering
    benchmark runs them)."""
    if not scores:
        raise ValueError("choosing a restart needs at least one restart's scores")
    return min(range(len(scores)), key=lambda i: scores[i]["reconstruction_mse"])
