"""Training callbacks."""

from lightning_gans.callbacks.evaluation import Evaluation
from lightning_gans.callbacks.progress import GANProgressBar
from lightning_gans.callbacks.sample_grid import SampleGrid

__all__ = ["Evaluation", "GANProgressBar", "SampleGrid"]
