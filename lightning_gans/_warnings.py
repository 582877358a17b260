"""The one place where lightning-gans silences third-party output that is not the user's doing.

Each filter below is narrow (its message, and the module that emits it) and says why it is harmless. Warnings that
point at a real mistake in a user's code or config are left alone. Installed once, when ``lightning_gans`` is
imported; this module imports only the standard library, so it costs nothing at start-up.

The library's own causes are removed at the source rather than filtered: the EMA copy of the generator follows
the module's train/eval mode (``lightning_gans.ema.make_ema_copy``), so Lightning's "Found N module(s) in eval
mode at the start of training" no longer fires for it (a module a user leaves in eval mode still warns).
"""

from __future__ import annotations

import logging
import warnings

_installed = False


class _DropMessages(logging.Filter):
    """Drops log records whose message starts with one of ``prefixes``."""

    def __init__(self, *prefixes: str) -> None:
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefixes)


def install() -> None:
    """Installs the filters (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True

    # 1. Lightning's pytree helper builds a ``LeafSpec``, which torch >= 2.9 deprecates with a FutureWarning
    #    attributed to Lightning's own file. Lightning has to change, not the user.
    warnings.filterwarnings(
        "ignore",
        message=r"`isinstance\(treespec, LeafSpec\)` is deprecated",
        category=FutureWarning,
        module=r"lightning\.pytorch\.utilities\._pytree",
    )

    # 2. Lightning's advertising "💡 Tip: ... litlogger" / "... litmodels" lines, printed through its rank-zero
    #    info logger at every fit. They are adverts, not diagnostics; the logger's other lines ("GPU available",
    #    "`Trainer.fit` stopped") stay.
    logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(_DropMessages("💡 Tip:"))

    # 3. "The number of training batches (22) is smaller than the logging interval Trainer(log_every_n_steps=50)":
    #    Lightning assumes logs per epoch, but its logging cadence counts batches over the whole run (not reset at
    #    epoch boundaries), and a GAN run on a small data set (the digits: 22 batches) spans many epochs, so the
    #    scalars still arrive every ``log_every_n_steps`` generator steps. A run shorter than the interval does
    #    log nothing: ``lightning_gans.callbacks.progress.GANProgressBar`` warns about that case instead.
    warnings.filterwarnings(
        "ignore",
        message=r"The number of training batches \(\d+\) is smaller than the logging interval",
        module=r"lightning\.pytorch\.loops\.fit_loop",
    )

    # 4. torchmetrics warns that KID keeps its features in memory. The ``Evaluation`` callback and
    #    ``lightning-gans evaluate`` create the metric with a bounded number of samples, on purpose.
    warnings.filterwarnings(
        "ignore",
        message=r"Metric `Kernel Inception Distance` will save all extracted features in buffer",
        module=r"torchmetrics\.utilities\.prints",
    )
