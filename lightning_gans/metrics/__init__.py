"""Sample-quality metrics."""

from lightning_gans.metrics.modes import mode_coverage

__all__ = ["mode_coverage"]
