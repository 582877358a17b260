"""Sample-quality metrics: 2-D mode coverage, FID/KID/IS over torchmetrics, the digits feature network;
clustering scores (Hungarian accuracy, NMI, ARI, purity) and the label-free restart criterion."""

from lightning_gans.metrics.classes import (
    class_proportions,
    conditional_accuracy,
    per_class_fid,
    predict_classes,
    proportion_gap,
)
from lightning_gans.metrics.clustering import (
    best_restart,
    cluster_to_class,
    clustering_scores,
    cycle_consistency,
    hungarian_accuracy,
    purity,
    select_restart,
)
from lightning_gans.metrics.digits_net import DigitsClassifier, load_digits_classifier
from lightning_gans.metrics.evaluator import DataSpec, Evaluator, data_spec
from lightning_gans.metrics.image import INCEPTION_WEIGHTS_ENV, ImageMetrics, InceptionFeatures
from lightning_gans.metrics.modes import mode_coverage

__all__ = [
    "INCEPTION_WEIGHTS_ENV",
    "DataSpec",
    "DigitsClassifier",
    "Evaluator",
    "class_proportions",
    "cluster_to_class",
    "best_restart",
    "clustering_scores",
    "cycle_consistency",
    "purity",
    "select_restart",
    "hungarian_accuracy",
    "conditional_accuracy",
    "ImageMetrics",
    "InceptionFeatures",
    "data_spec",
    "load_digits_classifier",
    "mode_coverage",
    "per_class_fid",
    "predict_classes",
    "proportion_gap",
]
