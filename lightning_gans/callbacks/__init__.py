"""Training callbacks."""

from lightning_gans.callbacks.sample_grid import SampleGrid

__all__ = ["SampleGrid"]
