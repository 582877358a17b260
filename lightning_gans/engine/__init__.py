"""The engine under every family: phases, guard, cadence, EMA, checkpoint / RNG / pre-emption, options.

``AdversarialModule`` is what ``GAN`` (the z -> x loop) and the translation models stand on; ``options`` holds
the optimizer and scheduler factories and their checks; ``checkpoint`` reads and names checkpoints. Nothing here
imports a family (docs/DESIGN.md, "Layers").
"""

from lightning_gans.engine.checkpoint import CLASS_KEY, load_model, public_class_path
from lightning_gans.engine.module import AdversarialModule, PhaseLoss
from lightning_gans.engine.options import LinearDecayLR, OptimizerCallable, SchedulerCallable, adam

__all__ = [
    "CLASS_KEY",
    "AdversarialModule",
    "LinearDecayLR",
    "OptimizerCallable",
    "PhaseLoss",
    "SchedulerCallable",
    "adam",
    "load_model",
    "public_class_path",
]
